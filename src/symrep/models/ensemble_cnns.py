"""Ensemble members: Nordenfors & Flinth's small MNIST CNNs with restricted 3x3 filter supports, and the
~120k-parameter Fashion-MNIST CNN chosen for Gerken & Kessel's experiment (their code is not public).

Every member is built from its own seed alone (`build_member`), so a member trained inside a batched
ensemble can be rebuilt and trained alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: 3x3 filter supports (True = trainable position), rows top to bottom. `sym` (plus shape with centre)
#: is mapped onto itself by 90° rotations, so its parameter space is C4-invariant; `asym` (plus shape
#: with the top-left corner instead of the centre) is not.
SUPPORTS = {
    "cnn": ((1, 1, 1), (1, 1, 1), (1, 1, 1)),
    "sym": ((0, 1, 0), (1, 1, 1), (0, 1, 0)),
    "asym": ((1, 1, 0), (1, 0, 1), (0, 1, 0)),
}


def support_mask(name: str) -> torch.Tensor:
    return torch.tensor(SUPPORTS[name], dtype=torch.float32)


def rotation_closed_part(mask: torch.Tensor) -> torch.Tensor:
    """The positions of `mask` whose whole orbit under 90° rotations lies in `mask` (the largest
    C4-invariant support inside it)."""
    closed = mask.clone()
    for k in range(1, 4):
        closed = closed * torch.rot90(mask, k)
    return closed


class SupportConv(nn.Module):
    """3x3 convolution without bias, stride 1, same padding, weights restricted to a fixed support."""

    def __init__(self, c_in: int, c_out: int, mask: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(c_out, c_in, 3, 3))
        self.register_buffer("mask", mask.clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, padding=1)


class SupportCNN(nn.Module):
    """Nordenfors & Flinth's MNIST CNN: three 3x3 convolutions (16 channels, no bias), each followed by
    (2x2 average pooling for the first two,) tanh and a LayerNorm without affine parameters over the
    14x14 / 7x7 map; then a linear layer 16·7·7 → 10 without bias."""

    def __init__(self, support: str = "cnn", channels: int = 16, classes: int = 10):
        super().__init__()
        mask = support_mask(support)
        self.support = support
        self.convs = nn.ModuleList([SupportConv(c_in, channels, mask) for c_in in (1, channels, channels)])
        self.linear = nn.Linear(channels * 7 * 7, classes, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = conv(x)
            x = torch.tanh(F.avg_pool2d(x, 2) if i < 2 else x)
            x = F.layer_norm(x, x.shape[-2:])
        return self.linear(x.flatten(1))


def init_support_cnn(model: SupportCNN, generator: torch.Generator, asym_init: str = "symmetric") -> None:
    """All weights ~ N(0, 1) (the released code's initialisation).

    `asym_init` matters only for supports that are not rotation-invariant: "symmetric" zeroes, at
    initialisation, the coefficients outside the support's largest rotation-invariant part (the corner
    of `asym`), so that the initial distribution is C4-invariant — what the released "symmetric
    initialisation" is meant to do; "released" zeroes nothing, as the released code does for 3x3
    filters (its zeroing loop is a no-op there).
    """
    if asym_init not in ("symmetric", "released"):
        raise ValueError(f"asym_init must be 'symmetric' or 'released', not {asym_init!r}")
    with torch.no_grad():
        for conv in model.convs:
            conv.weight.normal_(generator=generator)
            keep = rotation_closed_part(conv.mask) if asym_init == "symmetric" else torch.ones_like(conv.mask)
            conv.weight.mul_(conv.mask * keep)
        model.linear.weight.normal_(generator=generator)


class PlainCNN(nn.Module):
    """Fashion-MNIST member (our choice for Gerken & Kessel): three 3x3 convolutions (padding 1, bias),
    each followed by ReLU and 2x2 max pooling (28 → 14 → 7 → 3), then flatten → dense → ReLU → dense.
    Channels (32, 64, 64) and 110 hidden units give 120,324 parameters; no global pooling."""

    def __init__(self, channels=(32, 64, 64), hidden: int = 110, classes: int = 10):
        super().__init__()
        widths = (1, *channels)
        self.convs = nn.ModuleList([nn.Conv2d(a, b, 3, padding=1) for a, b in zip(widths, widths[1:])])
        self.hidden = nn.Linear(channels[-1] * 3 * 3, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = F.max_pool2d(F.relu(conv(x)), 2)
        return self.out(F.relu(self.hidden(x.flatten(1))))


def build_member(spec: dict, seed: int) -> nn.Module:
    """A freshly initialised member on the CPU, a function of `spec` and `seed` only.

    spec: {"model": "support_cnn", "support", "channels", "asym_init"} or
          {"model": "plain_cnn", "channels", "hidden"}.
    """
    generator = torch.Generator().manual_seed(seed)
    if spec["model"] == "support_cnn":
        model = SupportCNN(spec["support"], spec["channels"])
        init_support_cnn(model, generator, spec["asym_init"])
        return model
    if spec["model"] == "plain_cnn":
        with torch.random.fork_rng(devices=[]):  # PyTorch's default initialisation, from this seed
            torch.manual_seed(seed)
            return PlainCNN(tuple(spec["channels"]), spec["hidden"])
    raise ValueError(f"unknown member model {spec['model']!r}")
