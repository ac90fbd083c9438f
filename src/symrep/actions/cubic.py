"""The 24 rotations of the cube on volumes (..., D, H, W), as exact voxel permutations."""

from __future__ import annotations

import functools

import torch

from symrep.actions.elements import SignedPermutation, is_single, per_sample
from symrep.groups import get_group


def _permute_voxels(v: torch.Tensor, r) -> torch.Tensor:
    """y(p) = v(rᵀ p) for a signed permutation matrix r acting on (x, y, z) = axes (W, H, D)."""
    src = abs(r).argmax(axis=0)  # input coordinate j is ± output coordinate src[j]
    sign = r[src, range(3)]
    flips = [-1 - j for j in range(3) if sign[j] < 0]
    v = v.flip(flips) if flips else v
    lead = v.dim() - 3
    out_from = {int(c): j for j, c in enumerate(src)}  # output coordinate c <- input coordinate j
    v = v.permute(*range(lead), *(lead + 2 - out_from[2 - a] for a in range(3)))
    return v.clone(memory_format=torch.contiguous_format)


def cube_rotate(g_idx, volume: torch.Tensor, convention: str = "left") -> torch.Tensor:
    """Element g of the cube group ``get_group("O")`` on cubic volumes (..., D, H, W), D = H = W.

    ``left`` (default): (g·x)(p) = x(R_g⁻¹ p), a left action compatible with the group's table.
    ``released``: x(R_g p), the released code's affine_grid resampling — an anti-homomorphism.
    """
    if convention not in ("left", "released"):
        raise ValueError(f"convention must be 'left' or 'released', got {convention!r}")
    if len(set(volume.shape[-3:])) != 1:
        raise ValueError(f"cube rotations need a cubic volume, got {tuple(volume.shape[-3:])}")
    if is_single(g_idx):
        return _permute_voxels(volume, _matrix(int(g_idx), convention))
    g = per_sample(g_idx, volume)
    return _voxel_permutations(volume.shape[-1], convention, volume.device).apply(g, volume)


def _matrix(g: int, convention: str):
    r = get_group("O").matrices[g]
    return r if convention == "left" else r.T


@functools.lru_cache(maxsize=16)
def _voxel_permutations(n: int, convention: str, device: torch.device) -> SignedPermutation:
    """The 24 rotations as permutations of the n³ voxels, one gather for a batch of mixed rotations."""
    return SignedPermutation.tabulate(
        lambda g, v: _permute_voxels(v, _matrix(g, convention)), range(24), (n, n, n)
    ).to(device)
