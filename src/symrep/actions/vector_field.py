"""C4 on 2D vector fields and on feature maps: quarter turns of the grid, vectors reoriented or not."""

from __future__ import annotations

import functools

import torch

from symrep.actions.elements import SignedPermutation, is_single, per_sample
from symrep.actions.planar import rot90


def rotate_vector_field(k, field: torch.Tensor, *, y_up: bool, components: str) -> torch.Tensor:
    """C4 on 2D vector fields: rotate by k·90° counter-clockwise in physical coordinates (x right,
    y up), moving the grid and reorienting the vectors: u'(p) = R u(R⁻¹ p).

    ``field`` is (..., C, H, W) with C = 2T: T vectors, each stored as two consecutive channels.
    Storage convention (explicit): ``y_up`` — the row index grows upward (PhiFlow arrays) or
    downward (images); ``components`` — channel order "xy" or "yx". The stored y component is along
    increasing row index.
    """
    if components not in ("xy", "yx"):
        raise ValueError(f"components must be 'xy' or 'yx', got {components!r}")
    *lead, c, h, w = field.shape
    if c % 2:
        raise ValueError(f"vector fields need an even number of channels, got {c}")
    if is_single(k):
        return _turn(int(k), field, y_up, components)
    k = per_sample(k, field)
    if h != w:
        raise ValueError(f"per-sample quarter turns need square fields, got {h}x{w}")
    return _vector_turns(h, y_up, components, field.device).apply(k.remainder(4), field)


def _turn(k: int, field: torch.Tensor, y_up: bool, components: str) -> torch.Tensor:
    """`rotate_vector_field` for one k."""
    *lead, c, h, w = field.shape
    v = field.reshape(*lead, c // 2, 2, h, w)
    v = v.flip(-3) if components == "yx" else v
    m = (k if y_up else -k) % 4  # quarter turns from +column axis towards +row axis
    v = torch.rot90(v, -m, dims=(-2, -1))
    a, b = v.unbind(-3)
    a, b = ((a, b), (-b, a), (-a, -b), (b, -a))[m]
    v = torch.stack((a, b), -3)
    v = v.flip(-3) if components == "yx" else v
    return v.reshape(field.shape)


@functools.lru_cache(maxsize=16)
def _vector_turns(n: int, y_up: bool, components: str, device: torch.device) -> SignedPermutation:
    """The four quarter turns of `rotate_vector_field` on one vector's (2, n, n) block: grid permutation,
    component swap and signs as one table."""
    turns = SignedPermutation.tabulate(lambda k, f: _turn(k, f, y_up, components), range(4), (2, n, n))
    return turns.to(device)


def rotate_feature_maps(k, x: torch.Tensor, *, y_up: bool = False) -> torch.Tensor:
    """C4 on feature maps (B, C, H, W): rotate every channel's grid by k quarter turns, no channel
    mixing. Counter-clockwise on screen (torch.rot90) when ``y_up`` is False; pass the same ``y_up``
    as to `rotate_vector_field` so the maps rotate with the input grid."""
    return rot90(-k if y_up else k, x)
