"""Matrix representations of finite groups: the regular one, and the latent one (regular copies + trivial).

All are stacked as tensors of shape (|G|, d, d) indexed by group element, and are homomorphisms:
rho[g] @ rho[h] == rho[group.mul(g, h)].
"""

from __future__ import annotations

import torch

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
    rho[:, : m * n, : m * n] = torch.kron(
        torch.eye(m, dtype=dtype)[None], regular_representation(group, dtype)
    )
    rho[:, m * n :, m * n :] = torch.eye(r, dtype=dtype)
    return rho
