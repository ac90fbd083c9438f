"""The DDMNIST CNN of appendix C.1 (Veefkind & Cesa's double-MNIST CNN with 66 final filters).

The latent is the flattened output of the last (1x1) convolution, before BatchNorm1d and ELU, as in
the authors' code (layer 9); `features` returns it and `head` maps it to the 100 logits.
"""

from __future__ import annotations

import torch
from torch import nn


def _block(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding), nn.BatchNorm2d(c_out), nn.ELU()
    )


class DDMNISTCNN(nn.Module):
    """56x56 inputs (upsampled to 57x57) → `latent_dim` features → `n_classes` logits.

    c = 6 and latent_dim = 66 (= 11c) give the paper's 33,742 parameters; latent_dim = 48 is PSCNN's original.
    """

    def __init__(self, n_classes: int = 100, c: int = 6, latent_dim: int = 66):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Upsample(size=(57, 57)),
            _block(1, c, 7, padding=2),
            _block(c, 2 * c, 5, padding=2),
            nn.AvgPool2d(5, stride=2, padding=1),
            _block(2 * c, 4 * c, 3, stride=2, padding=2),
            nn.AvgPool2d(5, stride=2, padding=1),
            _block(4 * c, 6 * c, 3, stride=2),
            _block(6 * c, 6 * c, 3, padding=1),
            nn.AvgPool2d(5, stride=1, padding=1),
            nn.Conv2d(6 * c, latent_dim, 1),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.BatchNorm1d(latent_dim), nn.ELU(), nn.Linear(latent_dim, n_classes)
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 56, 56) images → (B, latent_dim) latents."""
        return self.encoder(x)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.classifier(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
