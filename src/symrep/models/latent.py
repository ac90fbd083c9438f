"""The main paper's exploratory networks (appendix B) and the learnable latent group action.

Each network exposes `features(x) -> z` (B, d), the latent, and `head(z)`: the decoder (autoencoders) or the
classifier. `LearnedGenerators` holds one learnable d x d matrix per group generator.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvAutoencoder(nn.Module):
    """B.1: CNN autoencoder for 1x28x28 images (TMNIST)."""

    def __init__(self, latent_dim: int):
        super().__init__()
        d, h, w = latent_dim, latent_dim // 2, 2 * latent_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(1, h, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(h, d, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(d, w, 7),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(w, d),
        )
        self.decoder = nn.Sequential(
            nn.Linear(d, w),
            nn.Unflatten(1, (w, 1, 1)),
            nn.ConvTranspose2d(w, d, 7),
            nn.ReLU(),
            nn.ConvTranspose2d(d, h, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(h, 1, 3, stride=2, padding=1, output_padding=1),
            nn.Sigmoid(),
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


class MLPAutoencoder(nn.Module):
    """B.2: MLP autoencoder for 1x28x28 images (MNIST)."""

    def __init__(self, latent_dim: int, widths: tuple[int, ...] = (512, 256, 128)):
        super().__init__()
        sizes = [28 * 28, *widths, latent_dim]
        self.encoder = nn.Sequential(nn.Flatten(), *_mlp(sizes))
        self.decoder = nn.Sequential(*_mlp(sizes[::-1]), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


def _mlp(sizes: list[int]) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    return layers


class CifarClassifier(nn.Module):
    """B.3: CNN encoder for 3x32x32 images and a linear classifier.

    head="linear" is the paper's `Linear(latent_dim, 10)` returning logits; head="softmax" is the
    released code's bias-free linear layer followed by a softmax, and a second softmax applied to its
    output (exploration/models/Classifiers.py:82-85, 132): cross-entropy then takes a third.
    """

    def __init__(self, latent_dim: int, head: str = "linear", c_hid: int = 32, classes: int = 10):
        super().__init__()
        if head not in ("linear", "softmax"):
            raise ValueError(f"head must be 'linear' or 'softmax', not {head!r}")
        c2 = 2 * c_hid
        self.encoder = nn.Sequential(
            nn.Conv2d(3, c_hid, 3, padding=1, stride=2),
            nn.GELU(),
            nn.Conv2d(c_hid, c_hid, 3, padding=1),
            nn.GELU(),
            nn.Conv2d(c_hid, c2, 3, padding=1, stride=2),
            nn.GELU(),
            nn.Conv2d(c2, c2, 3, padding=1),
            nn.GELU(),
            nn.Conv2d(c2, c2, 3, padding=1, stride=2),
            nn.GELU(),
            nn.Flatten(),
            nn.Linear(c2 * 16, latent_dim),
        )
        linear = nn.Linear(latent_dim, classes, bias=head == "linear")
        self.classifier = (
            linear if head == "linear" else nn.Sequential(linear, nn.Softmax(dim=1), nn.Softmax(dim=1))
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.classifier(z)


class LearnedGenerators(nn.Module):
    """One learnable d x d matrix per generator, initialised as the released code does:
    "uniform" U[0, 1), "normal" N(0, 1), or "orthogonal" (random orthogonal + 0.3 N(0, 1))."""

    def __init__(self, n_generators: int, dim: int, init: str):
        super().__init__()
        makers = {
            "uniform": lambda: torch.rand(dim, dim),
            "normal": lambda: torch.randn(dim, dim),
            "orthogonal": lambda: nn.init.orthogonal_(torch.empty(dim, dim)) + 0.3 * torch.randn(dim, dim),
        }
        if init not in makers:
            raise ValueError(f"unknown initialisation {init!r}; known: {sorted(makers)}")
        self.matrices = nn.ParameterList([nn.Parameter(makers[init]()) for _ in range(n_generators)])

    def forward(self) -> list[torch.Tensor]:
        return list(self.matrices)


NETWORKS = {
    "conv_autoencoder": ConvAutoencoder,
    "mlp_autoencoder": MLPAutoencoder,
    "cifar_classifier": CifarClassifier,
}


class LatentActionModel(nn.Module):
    """A network plus the learned generators of the latent action (so both are saved and selected together)."""

    def __init__(self, network: str, latent_dim: int, n_generators: int, init: str, **network_options):
        super().__init__()
        self.net = NETWORKS[network](latent_dim, **network_options)
        self.generators = LearnedGenerators(n_generators, latent_dim, init)
