"""C4 on 2D vector fields and on feature maps: quarter turns of the grid, vectors reoriented or not."""

from __future__ import annotations

import torch

from symrep.actions.elements import by_element


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
    v = field.reshape(*lead, c // 2, 2, h, w)
    v = v.flip(-3) if components == "yx" else v

    def one(kk, vs):
        m = (kk if y_up else -kk) % 4  # quarter turns from +column axis towards +row axis
        vs = torch.rot90(vs, -m, dims=(-2, -1))
        a, b = vs.unbind(-3)
        a, b = ((a, b), (-b, a), (-a, -b), (b, -a))[m]
        return torch.stack((a, b), -3)

    v = by_element(one, k, v)
    v = v.flip(-3) if components == "yx" else v
    return v.reshape(field.shape)


def rotate_feature_maps(k, x: torch.Tensor, *, y_up: bool = False) -> torch.Tensor:
    """C4 on feature maps (B, C, H, W): rotate every channel's grid by k quarter turns, no channel
    mixing. Counter-clockwise on screen (torch.rot90) when ``y_up`` is False; pass the same ``y_up``
    as to `rotate_vector_field` so the maps rotate with the input grid."""
    return by_element(lambda kk, xs: torch.rot90(xs, kk if not y_up else -kk, dims=(-2, -1)), k, x)
