"""The 3D ResNet CNN of appendix C.2 (main paper §6.2; Veefkind & Cesa's `CNN3DResnet`), width c.

Input (B, 1, 28, 28, 28) is resized (nearest) to 29³, then three residual blocks bring it to (B, 8c, 1, 1, 1);
the flattened 8c features are the latent (c = 6: 48 = two copies of the cube group's regular representation),
and the head is BatchNorm1d → ELU → Linear(8c, classes).
"""

from __future__ import annotations

import torch
from torch import nn


def _conv(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(c_in, c_out, kernel, stride=stride, padding=padding), nn.BatchNorm3d(c_out), nn.ELU()
    )


class Residual(nn.Module):
    def __init__(self, block: nn.Module, skip: nn.Module):
        super().__init__()
        self.block, self.skip = block, skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x) + self.skip(x)


class CubeResNet3D(nn.Module):
    """`features(x)` → (B, 8c) latent; `head(z)` → logits; spatial 29 → 27 → 13 → 1."""

    def __init__(self, n_classes: int, channels: int = 6):
        super().__init__()
        c = channels
        self.latent_dim = 8 * c
        self.resize = nn.Upsample(size=(29, 29, 29))
        self.body = nn.Sequential(
            Residual(
                nn.Sequential(_conv(1, c, 7, padding=2), _conv(c, 2 * c, 5, padding=2)),
                nn.Conv3d(1, 2 * c, 7, padding=2),
            ),
            nn.AvgPool3d(5, stride=2, padding=1),
            Residual(
                nn.Sequential(
                    _conv(2 * c, 4 * c, 3, stride=2, padding=1),
                    nn.AvgPool3d(5, stride=2, padding=1),
                    _conv(4 * c, 6 * c, 3, stride=2, padding=2),
                ),
                nn.Sequential(nn.AvgPool3d(5, stride=2), nn.Conv3d(2 * c, 6 * c, 3)),
            ),
            Residual(
                nn.Sequential(
                    _conv(6 * c, 6 * c, 3, padding=1), nn.AvgPool3d(3, stride=1), nn.Conv3d(6 * c, 8 * c, 1)
                ),
                nn.Conv3d(6 * c, 8 * c, 3),
            ),
        )
        self.classifier = nn.Sequential(nn.BatchNorm1d(8 * c), nn.ELU(), nn.Linear(8 * c, n_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.resize(x)).flatten(1)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.classifier(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
