"""DDMNIST's per-digit group augmentation and its source of training pairs (x1, x2 = g·x1, g).

`compose` places a digit pair (uint8 (N, 2, 28, 28), as `symrep.experiments.ddmnist.data` stores it) on
the 56x56 canvas (rows 14-41, left digit in columns 0-27, right in 28-55) and normalises it with PSCNN's
constants.

Augmentation acts on each digit independently with an element of the factor group (C4, D1 or D4),
batched on the tensors' device; the product-group element of a pair is g = g_left·|F| + g_right
(`symrep.groups` product indexing). Interpolation noise per digit (`digit_noise`):
* "rotate_and_back" (the text for C4, and D4 in both protocols): rotate by θ ~ U(-180°, 180°), then by
  90k - θ, bilinear;
* "rotate_then_rot90" (the released code's C4): rotate by θ, then by 90k; the net rotation is θ + 90k;
* "none" (D1): exact flips.
"""

from __future__ import annotations

import torch

from symrep.actions.planar import act_2d, hflip, rot90, rotate
from symrep.groups import FiniteGroup, get_group

MEAN, STD = 0.5 * 0.1307, 0.3081**0.5  # PSCNN's normalisation of the two-digit canvas
DIGIT_ROWS = slice(14, 42)  # the 56x56 canvas: rows of both digit boxes
LEFT_DIGIT, RIGHT_DIGIT = slice(0, 28), slice(28, 56)
NOISES = ("rotate_and_back", "rotate_then_rot90", "none")


def compose(digits: torch.Tensor) -> torch.Tensor:
    """(B, 2, 28, 28) digits in [0, 1] → normalised (B, 1, 56, 56) canvas."""
    canvas = digits.new_zeros(digits.shape[0], 1, 56, 56)
    canvas[:, 0, DIGIT_ROWS, LEFT_DIGIT] = digits[:, 0]
    canvas[:, 0, DIGIT_ROWS, RIGHT_DIGIT] = digits[:, 1]
    return (canvas - MEAN) / STD


def digit_noise(group: str, c4_noise: str | None = None) -> str:
    """The interpolation noise each group's augmentation adds: none for D1 (exact flips), rotate-and-back
    for D4 (the paper and the released code agree), `c4_noise` for C4 (the protocols differ)."""
    if group == "D1":
        return "none"
    if group == "C4":
        if c4_noise not in ("rotate_and_back", "rotate_then_rot90"):
            raise ValueError(f"C4 needs c4_noise rotate_and_back or rotate_then_rot90, not {c4_noise!r}")
        return c4_noise
    return "rotate_and_back"


def rotate_and_back(theta_degrees, k, x: torch.Tensor) -> torch.Tensor:
    """Rotate by θ then by 90k - θ (bilinear both times): net 90k with interpolation artefacts
    (DDMNIST as described in the paper)."""
    back = 90 * torch.as_tensor(k, device=x.device) - torch.as_tensor(theta_degrees, device=x.device)
    return rotate(back, rotate(theta_degrees, x))


def rotate_then_rot90(theta_degrees, k, x: torch.Tensor) -> torch.Tensor:
    """Rotate by θ (bilinear) then by 90k exactly: net θ + 90k (the released DDMNIST C4 code)."""
    return rot90(k, rotate(theta_degrees, x))


def act_digits(
    factor: FiniteGroup, g: torch.Tensor, x: torch.Tensor, theta: torch.Tensor, noise: str
) -> torch.Tensor:
    """Element g[i] of C<n>/D<n> (n ≤ 4) on image x[i] (N, 1, 28, 28) with interpolation noise of angle θ[i]."""
    if noise == "none":
        return act_2d(factor, g, x)
    reflect = torch.as_tensor(factor.reflect, device=x.device)[g]
    x = torch.where(reflect[:, None, None, None], hflip(x), x)
    quarter_turns = torch.as_tensor(factor.rotation_k * 4 // factor.n_rot, device=x.device)[g]
    if noise == "rotate_and_back":
        return rotate_and_back(theta, quarter_turns, x)
    if noise == "rotate_then_rot90":
        return rotate_then_rot90(theta, quarter_turns, x)
    raise ValueError(f"noise must be one of {NOISES}, not {noise!r}")


class PairAugmentation:
    """Random per-digit elements of a factor group F acting on (B, 2, 28, 28) digit pairs."""

    def __init__(self, group: str, noise: str):
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, not {noise!r}")
        self.factor, self.product, self.noise = get_group(group), get_group(f"{group}x{group}"), noise

    def sample(self, n: int, rng: torch.Generator, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Uniform product-group elements (n,) and noise angles (n, 2) in degrees, drawn on the CPU from `rng`."""
        g = torch.randint(self.product.order, (n,), generator=rng)
        theta = torch.rand(n, 2, generator=rng) * 360 - 180
        return g.to(device), theta.to(device)

    def apply(self, g: torch.Tensor, digits: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """Product element g[i] = (a, b) on pair i: a on the left digit, b on the right one."""
        pair = torch.as_tensor(self.product.factors, device=digits.device)[g]
        flat = digits.reshape(-1, 1, 28, 28)
        out = act_digits(self.factor, pair.reshape(-1), flat, theta.reshape(-1), self.noise)
        return out.reshape(digits.shape)


class DDMNISTPairs:
    """One split as a source of training pairs (x1 = g0·x, x2 = g·x1, g) and clean inputs, all on `device`."""

    def __init__(
        self, digits: torch.Tensor, labels: torch.Tensor, augmentation: PairAugmentation, device: torch.device
    ):
        self.digits, self.labels, self.augmentation = digits.to(device), labels.to(device), augmentation

    def __len__(self) -> int:
        return len(self.labels)

    def _float(self, idx: torch.Tensor) -> torch.Tensor:
        return self.digits[idx].float() / 255

    def clean(self, idx: torch.Tensor) -> torch.Tensor:
        return compose(self._float(idx))

    def batch(
        self, idx: torch.Tensor, rng: torch.Generator, with_x2: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """x1 (each digit transformed by a random element, with noise), its labels and, if asked, x2 = g·x1
        and g."""
        aug, device = self.augmentation, self.digits.device
        g0, theta0 = aug.sample(len(idx), rng, device)
        digits1 = aug.apply(g0, self._float(idx), theta0)
        if not with_x2:
            return compose(digits1), self.labels[idx], None, None
        g, theta = aug.sample(len(idx), rng, device)
        return compose(digits1), self.labels[idx], compose(aug.apply(g, digits1, theta)), g
