"""SMOKE networks: Wang, Walters & Yu's CNN (main paper appendix C.3) and MLP baseline (Table 6).

Both map 10 stacked velocity frames (20 channels) to the next frame (2 channels) on the same grid.
"""

from __future__ import annotations

import torch
from torch import nn


def conv_block(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=(kernel - 1) // 2), nn.BatchNorm2d(c_out), nn.ReLU()
    )


class SmokeCNN(nn.Module):
    """(layers - 1) blocks Conv-BN-ReLU of width `hidden`, then a Conv to the output channels.

    `features(x)` is the last block's feature map (B, hidden, H, W): the latent on which the method
    imposes C4 (block index 3 of 5, as in the released code); `head` maps it to the next frame.
    """

    def __init__(
        self, in_channels: int = 20, out_channels: int = 2, hidden: int = 92, layers: int = 5, kernel: int = 3
    ):
        super().__init__()
        if layers < 2:
            raise ValueError(f"the CNN needs at least 2 layers, got {layers}")
        widths = [in_channels] + [hidden] * (layers - 1)
        self.blocks = nn.Sequential(*(conv_block(a, b, kernel) for a, b in zip(widths[:-1], widths[1:])))
        self.head = nn.Conv2d(hidden, out_channels, kernel, padding=(kernel - 1) // 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class SmokeMLP(nn.Module):
    """Flattened frames -> (layers - 1) blocks Linear-BN-ReLU of width `hidden` -> Linear to a frame."""

    def __init__(
        self,
        in_channels: int = 20,
        out_channels: int = 2,
        resolution: int = 64,
        hidden: int = 92,
        layers: int = 6,
    ):
        super().__init__()
        if layers < 2:
            raise ValueError(f"the MLP needs at least 2 layers, got {layers}")
        widths = [in_channels * resolution**2] + [hidden] * (layers - 1)
        blocks = [
            nn.Sequential(nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU())
            for a, b in zip(widths[:-1], widths[1:])
        ]
        self.net = nn.Sequential(nn.Flatten(), *blocks, nn.Linear(hidden, out_channels * resolution**2))
        self.out_shape = (out_channels, resolution, resolution)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).reshape(x.shape[0], *self.out_shape)


def build(architecture: str, spec: dict, *, input_frames: int, resolution: int) -> nn.Module:
    """A network by name ('cnn' or 'mlp') with its config spec (hidden, layers[, kernel])."""
    if architecture == "cnn":
        return SmokeCNN(2 * input_frames, 2, spec["hidden"], spec["layers"], spec["kernel"])
    if architecture == "mlp":
        return SmokeMLP(2 * input_frames, 2, resolution, spec["hidden"], spec["layers"])
    raise ValueError(f"unknown SMOKE architecture {architecture!r} (known: cnn, mlp)")
