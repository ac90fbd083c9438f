"""Actions on images (..., H, W): quarter turns, mirror, rotation by sampling, C<n>/D<n> elements."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from symrep.actions.elements import by_element
from symrep.groups import FiniteGroup


def rot90(k, x: torch.Tensor) -> torch.Tensor:
    """Rotate the (H, W) grid by k quarter turns counter-clockwise (exact)."""
    return by_element(lambda kk, xs: torch.rot90(xs, kk, dims=(-2, -1)), k, x)


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left-right (about the vertical axis): x ↦ -x."""
    return x.flip(-1)


def rotate(degrees, x: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """Rotate counter-clockwise by ``degrees`` (scalar or (B,)) about the image centre by sampling:
    same canvas, zero fill, pixel centres as in align_corners=False."""
    if not x.is_floating_point():
        raise TypeError(f"rotate needs a floating-point tensor, got {x.dtype}")
    h, w = x.shape[-2:]
    deg = torch.as_tensor(degrees, dtype=x.dtype, device=x.device)
    flat = x.reshape(x.shape[0] if deg.dim() == 1 else 1, -1, h, w)
    t = torch.deg2rad(deg).reshape(-1)
    c, s, zero = torch.cos(t), torch.sin(t), torch.zeros_like(t)
    # output pixel q samples the input at R(-θ) q, written in normalised (x right, y down) coordinates
    theta = torch.stack([torch.stack([c, -s * h / w, zero], -1), torch.stack([s * w / h, c, zero], -1)], -2)
    grid = F.affine_grid(theta.expand(flat.shape[0], 2, 3), list(flat.shape), align_corners=False)
    return F.grid_sample(flat, grid, mode=mode, padding_mode="zeros", align_corners=False).reshape(x.shape)


def rotate_scale(
    degrees: torch.Tensor, scale: torch.Tensor, x: torch.Tensor, mode: str = "nearest"
) -> torch.Tensor:
    """Rotate square images (B, C, H, W) counter-clockwise by `degrees` and scale them by `scale` about
    the centre, per sample, zero fill (the released latent code's `TF.affine`). Kept apart from `rotate`:
    its affine matrix is rounded differently, and merging the two would change published numbers' runs."""
    t = torch.deg2rad(degrees.to(x))
    c, s, zero = torch.cos(t) / scale.to(x), torch.sin(t) / scale.to(x), torch.zeros_like(t)
    theta = torch.stack([torch.stack([c, -s, zero], -1), torch.stack([s, c, zero], -1)], -2)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)


def act_2d(group: FiniteGroup, g_idx, x: torch.Tensor) -> torch.Tensor:
    """C<n>/D<n> element g on images: hflip if g contains s, then rotate by 360·k/n degrees
    counter-clockwise, exactly (rot90) when that is a multiple of 90°, else bilinear."""
    if group.n_rot is None:
        raise ValueError(f"act_2d needs a C<n> or D<n> group, got {group.name}")
    n = group.n_rot

    def one(g, xs):
        k = int(group.rotation_k[g])
        xs = hflip(xs) if group.reflect[g] else xs
        return rot90(4 * k // n, xs) if (4 * k) % n == 0 else rotate(360.0 * k / n, xs)

    return by_element(one, g_idx, x)
