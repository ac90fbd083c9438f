"""Apply a function of one group element to a batch whose samples carry different elements."""

from __future__ import annotations

import torch


def by_element(fn, g, x: torch.Tensor) -> torch.Tensor:
    """fn(int g, x) for an int ``g``; for a (B,) tensor, fn on each group of samples sharing g."""
    if not torch.is_tensor(g) or g.dim() == 0:
        return fn(int(g), x)
    if g.shape != x.shape[:1]:
        raise ValueError(f"element indices of shape {tuple(g.shape)} for a batch of {x.shape[0]}")
    out = x.clone()
    for v in g.unique().tolist():
        mask = g == v
        out[mask] = fn(v, x[mask])
    return out
