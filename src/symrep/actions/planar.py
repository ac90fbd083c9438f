"""Actions on images (..., H, W): quarter turns, mirror, rotation by sampling, C<n>/D<n> elements."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from symrep.actions.elements import SignedPermutation, cpu_chunks, is_single, per_sample
from symrep.groups import FiniteGroup


def rot90(k, x: torch.Tensor) -> torch.Tensor:
    """Rotate the (H, W) grid by k quarter turns counter-clockwise (exact). Per-sample k (a (B,) tensor)
    needs square images."""
    if is_single(k):
        return torch.rot90(x, int(k), dims=(-2, -1))
    k = per_sample(k, x)
    return _quarter_turns(*_square(x, "per-sample quarter turns"), x.device).apply(k.remainder(4), x)


def _square(x: torch.Tensor, what: str) -> tuple[int, int]:
    h, w = x.shape[-2:]
    if h != w:
        raise ValueError(f"{what} need square images, got {h}x{w}")
    return h, w


@functools.lru_cache(maxsize=64)
def _quarter_turns(h: int, w: int, device: torch.device) -> SignedPermutation:
    turns = SignedPermutation.tabulate(lambda k, p: torch.rot90(p, k, dims=(-2, -1)), range(4), (h, w))
    return turns.to(device)


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
    return _sample(flat, _rotation_grid(deg, flat.shape), mode).reshape(x.shape)


def _rotation_grid(deg: torch.Tensor, shape) -> torch.Tensor:
    """Sampling grid (N, H, W, 2) of a rotation by ``deg`` (0-d, or (N,) per image) for images of ``shape``
    (N, C, H, W)."""
    h, w = shape[-2:]
    t = torch.deg2rad(deg).reshape(-1)
    c, s, zero = torch.cos(t), torch.sin(t), torch.zeros_like(t)
    # output pixel q samples the input at R(-θ) q, written in normalised (x right, y down) coordinates
    theta = torch.stack([torch.stack([c, -s * h / w, zero], -1), torch.stack([s * w / h, c, zero], -1)], -2)
    return F.affine_grid(theta.expand(shape[0], 2, 3), list(shape), align_corners=False)


def _sample(flat: torch.Tensor, grid: torch.Tensor, mode: str) -> torch.Tensor:
    return F.grid_sample(flat, grid, mode=mode, padding_mode="zeros", align_corners=False)


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
    counter-clockwise, exactly (rot90) when that is a multiple of 90°, else bilinear.

    Per-sample elements (a (B,) tensor; square images): the exact part (hflip, quarter turns) as one
    gather, then, if the group has other angles, one bilinear `grid_sample` of the whole batch with each
    element's grid, kept where the element is not a quarter turn."""
    if group.n_rot is None:
        raise ValueError(f"act_2d needs a C<n> or D<n> group, got {group.name}")
    if is_single(g_idx):
        g = int(g_idx)
        xs = hflip(x) if group.reflect[g] else x
        k, exact = _quarter_turns_of(group, g)
        return rot90(k, xs) if exact else rotate(360.0 * int(group.rotation_k[g]) / group.n_rot, xs)
    g = per_sample(g_idx, x)
    h, w = _square(x, "per-sample elements")
    moves = _exact_parts(group, h, w, x.device)
    bilinear = _bilinear_elements(group, x.device)
    if bilinear is None:
        return moves.apply(g, x)
    if not x.is_floating_point():
        raise TypeError(
            f"{group.name} rotates by sampling, which needs a floating-point tensor, got {x.dtype}"
        )
    grids = _rotation_grids(group, h, w, x.dtype, x.device)

    def moved_then_sampled(g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        moved = moves.gather(g, x)
        sampled = _sample(moved.reshape(x.shape[0], -1, h, w), grids.index_select(0, g), "bilinear")
        keep = bilinear.index_select(0, g).reshape(-1, *[1] * (x.dim() - 1))
        return torch.where(keep, sampled.reshape(x.shape), moved)

    return cpu_chunks(moved_then_sampled, g, x)


def _quarter_turns_of(group: FiniteGroup, g: int) -> tuple[int, bool]:
    """(quarter turns, whether the rotation of g is a multiple of 90°)."""
    k, n = int(group.rotation_k[g]), group.n_rot
    return 4 * k // n, (4 * k) % n == 0


@functools.lru_cache(maxsize=64)
def _exact_parts(group: FiniteGroup, h: int, w: int, device: torch.device) -> SignedPermutation:
    """Per element: hflip if it reflects, then its quarter turns if its rotation is a multiple of 90°."""

    def exact_part(g: int, p: torch.Tensor) -> torch.Tensor:
        p = hflip(p) if group.reflect[g] else p
        k, exact = _quarter_turns_of(group, g)
        return rot90(k, p) if exact else p

    return SignedPermutation.tabulate(exact_part, range(group.order), (h, w)).to(device)


@functools.lru_cache(maxsize=64)
def _bilinear_elements(group: FiniteGroup, device: torch.device) -> torch.Tensor | None:
    """(G,) bool: the elements rotated by sampling; None if there are none."""
    mask = torch.tensor([not _quarter_turns_of(group, g)[1] for g in range(group.order)])
    return mask.to(device) if mask.any() else None


@functools.lru_cache(maxsize=64)
def _rotation_grids(
    group: FiniteGroup, h: int, w: int, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """(G, H, W, 2): each element's rotation grid, computed exactly as `rotate` computes it for that one angle."""
    return torch.cat(
        [
            _rotation_grid(
                torch.as_tensor(360.0 * int(group.rotation_k[g]) / group.n_rot, dtype=dtype, device=device),
                (1, 1, h, w),
            )
            for g in range(group.order)
        ]
    )
