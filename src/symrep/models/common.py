"""What every model of the pipeline offers, and how its size is counted."""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn


class LatentModel(Protocol):
    """A network whose latent the method constrains: `features(x)` is the latent (a vector per sample,
    or a feature map), `head(z)` maps it to the output, and forward(x) == head(features(x))."""

    def features(self, x: torch.Tensor) -> torch.Tensor: ...

    def head(self, z: torch.Tensor) -> torch.Tensor: ...


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters, as the papers' tables count them."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
