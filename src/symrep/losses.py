"""Losses shared by the experiments."""

from __future__ import annotations

import torch


def latent_equivariance_loss(
    z1: torch.Tensor, z2: torch.Tensor, rho: torch.Tensor, g: torch.Tensor
) -> torch.Tensor:
    """The method's equivariance loss MSE(ρ(g) E(x1), E(x2)) for x2 = g·x1.

    z1, z2: (B, d) latents of x1 and x2; rho: (|G|, d, d) fixed representation; g: (B,) element indices.
    Mean over batch and latent coordinates, as in the released code.
    """
    return torch.nn.functional.mse_loss(torch.einsum("bij,bj->bi", rho[g], z1), z2)
