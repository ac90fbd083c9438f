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


def init_support_cnn(model: SupportCNN, generator: torch.Generator, init: str = "normal") -> None:
    """All weights ~ N(0, 1) (the released code's initialisation).

    `init` matters only for supports that are not rotation-invariant: "symmetric" zeroes, at
    initialisation, the coefficients outside the support's largest rotation-invariant part (the corner
    of `asym`), so that the initial distribution is C4-invariant (ASYM-SYMINIT, as the paper means it);
    "normal" zeroes nothing (ASYM-ASYMINIT, and the released ASYM-SYMINIT: its zeroing loop is a no-op for
    3x3 filters). Both draw the same numbers from `generator`.
    """
    if init not in ("normal", "symmetric"):
        raise ValueError(f"init must be 'normal' or 'symmetric', not {init!r}")
    with torch.no_grad():
        for conv in model.convs:
            conv.weight.normal_(generator=generator)
            keep = rotation_closed_part(conv.mask) if init == "symmetric" else torch.ones_like(conv.mask)
            conv.weight.mul_(conv.mask * keep)
        model.linear.weight.normal_(generator=generator)


class PlainCNN(nn.Module):
    """Fashion-MNIST member (our choice for Gerken & Kessel): three 3x3 convolutions (padding 1, bias),
    each followed by ReLU and max pooling: 2x2 twice (28 → 14 → 7), then 3x3 with stride 2 and padding 1
    (7 → 4, windows centred on rows and columns 0, 2, 4, 6); flatten → dense → ReLU → dense. Every
    pooling window set is mapped onto itself by quarter turns, so rotating every filter and the dense
    layer's 4x4 maps rotates the function: the C4 action pulled back onto the parameters, which an
    infinite augmented ensemble needs to be exactly invariant. Channels (32, 64, 64) and 62 hidden units
    give 119,924 parameters; no global pooling."""

    POOLS = ((2, 2, 0), (2, 2, 0), (3, 2, 1))  # (kernel, stride, padding) after each convolution

    def __init__(self, channels=(32, 64, 64), hidden: int = 62, classes: int = 10):
        super().__init__()
        widths = (1, *channels)
        self.convs = nn.ModuleList([nn.Conv2d(a, b, 3, padding=1) for a, b in zip(widths, widths[1:])])
        self.hidden = nn.Linear(channels[-1] * 4 * 4, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, (kernel, stride, padding) in zip(self.convs, self.POOLS):
            x = F.max_pool2d(F.relu(conv(x)), kernel, stride, padding)
        return self.out(F.relu(self.hidden(x.flatten(1))))


def build_member(spec: dict, seed: int) -> nn.Module:
    """A freshly initialised member on the CPU, a function of `spec` and `seed` only.

    spec: {"model": "support_cnn", "support", "channels", "init"} or
          {"model": "plain_cnn", "channels", "hidden"}.
    """
    generator = torch.Generator().manual_seed(seed)
    if spec["model"] == "support_cnn":
        model = SupportCNN(spec["support"], spec["channels"])
        init_support_cnn(model, generator, spec["init"])
        return model
    if spec["model"] == "plain_cnn":
        with torch.random.fork_rng(devices=[]):  # PyTorch's default initialisation, from this seed
            torch.manual_seed(seed)
            return PlainCNN(tuple(spec["channels"]), spec["hidden"])
    raise ValueError(f"unknown member model {spec['model']!r}")
