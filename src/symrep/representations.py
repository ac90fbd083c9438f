"""Matrix representations of finite groups: regular, latent (regular copies + trivial), defining.

All are stacked as tensors of shape (|G|, d, d) indexed by group element, and are homomorphisms:
rho[g] @ rho[h] == rho[group.mul(g, h)].
"""

from __future__ import annotations

import torch

from symrep.actions import by_element, rot90
from symrep.groups import FiniteGroup


def regular_representation(group: FiniteGroup, dtype=torch.float32) -> torch.Tensor:
    """Left regular representation: P[g][k, j] = 1 iff g·h_j = h_k."""
    n = group.order
    p = torch.zeros(n, n, n, dtype=dtype)
    g, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    p[g, torch.tensor(group.table), j] = 1
    return p


def latent_representation(group: FiniteGroup, dim: int, dtype=torch.float32) -> torch.Tensor:
    """kron(I_m, P(g)) ⊕ I_r with m = dim // |G| copies of the regular rep and r = dim - m|G|."""
    n = group.order
    if dim < n:
        raise ValueError(f"latent dimension {dim} is smaller than |{group.name}| = {n}")
    m, r = divmod(dim, n)
    rho = torch.zeros(n, dim, dim, dtype=dtype)
    rho[:, : m * n, : m * n] = torch.kron(torch.eye(m, dtype=dtype)[None], regular_representation(group, dtype))
    rho[:, m * n :, m * n :] = torch.eye(r, dtype=dtype)
    return rho


def defining_representation(group: FiniteGroup, dtype=torch.float32) -> torch.Tensor:
    """The geometric matrices (2x2 for C<n>/D<n>, 3x3 for O); block diagonal for products."""
    if group.factor_groups is not None:
        a, b = (defining_representation(f, dtype) for f in group.factor_groups)
        fa, fb = torch.as_tensor(group.factors).T
        return torch.stack([torch.block_diag(a[i], b[j]) for i, j in zip(fa, fb)])
    if group.matrices is None:
        raise ValueError(f"{group.name} has no defining (geometric) representation")
    return torch.as_tensor(group.matrices, dtype=dtype)


def apply_representation(rho: torch.Tensor, g_idx, z: torch.Tensor) -> torch.Tensor:
    """z ↦ rho(g) z per sample: z (B, d), g_idx an int or a (B,) long tensor."""
    return torch.einsum("...ij,...j->...i", rho[g_idx], z)


def spatial_channel_action(x: torch.Tensor, k, y_up: bool = False) -> torch.Tensor:
    """C4 on feature maps (B, C, H, W): rotate every channel's grid by k quarter turns, no channel
    mixing. Counter-clockwise on screen (torch.rot90) when ``y_up`` is False; pass the same ``y_up``
    as to ``actions.rotate_vector_field`` so the maps rotate with the input grid."""
    return by_element(lambda kk, xs: rot90(xs, kk if not y_up else -kk), k, x)
