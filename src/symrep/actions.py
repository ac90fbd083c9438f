"""Group actions on data tensors, batched, as left actions: act(g, act(h, x)) == act(g·h, x).

Image convention: the last two dims are (H, W); row index i grows DOWN the screen, column index j
grows to the right. "Counter-clockwise" means as seen on screen: ``rot90(x, 1)`` (=
``torch.rot90(x, 1, dims=(-2, -1))``) moves the top-left pixel to the bottom-left, and
``rotate(x, 90)`` agrees with it. In screen coordinates (x right, y up) a point p moves to R(θ)p.

Group elements are given as an int (one element for the whole batch) or a (B,) long tensor (one
element per sample along dim 0).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from symrep.groups import FiniteGroup, get_group

DIGIT_ROWS = slice(14, 42)  # two-digit (DDMNIST) canvas 56x56: rows of both digit boxes
LEFT_DIGIT, RIGHT_DIGIT = slice(0, 28), slice(28, 56)


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


def rot90(x: torch.Tensor, k) -> torch.Tensor:
    """Rotate the (H, W) grid by k quarter turns counter-clockwise (exact)."""
    return by_element(lambda kk, xs: torch.rot90(xs, kk, dims=(-2, -1)), k, x)


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left-right (about the vertical axis): x ↦ -x."""
    return x.flip(-1)


def vflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror top-bottom (about the horizontal axis): y ↦ -y."""
    return x.flip(-2)


def rotate(x: torch.Tensor, degrees, mode: str = "bilinear") -> torch.Tensor:
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


def act_2d(group: FiniteGroup, g_idx, x: torch.Tensor) -> torch.Tensor:
    """C<n>/D<n> element g on images: hflip if g contains s, then rotate by 360·k/n degrees
    counter-clockwise, exactly (rot90) when that is a multiple of 90°, else bilinear."""
    if group.n_rot is None:
        raise ValueError(f"act_2d needs a C<n> or D<n> group, got {group.name}")
    n = group.n_rot

    def one(g, xs):
        k = int(group.rotation_k[g])
        xs = hflip(xs) if group.reflect[g] else xs
        return rot90(xs, 4 * k // n) if (4 * k) % n == 0 else rotate(xs, 360.0 * k / n)

    return by_element(one, g_idx, x)


def rotate_and_back(x: torch.Tensor, theta_degrees, k) -> torch.Tensor:
    """Rotate by θ then by 90k - θ (bilinear both times): net 90k with interpolation artefacts
    (DDMNIST as described in the paper)."""
    back = 90 * torch.as_tensor(k, device=x.device) - torch.as_tensor(theta_degrees, device=x.device)
    return rotate(rotate(x, theta_degrees), back)


def rotate_then_rot90(x: torch.Tensor, theta_degrees, k) -> torch.Tensor:
    """Rotate by θ (bilinear) then by 90k exactly: net θ + 90k (the released DDMNIST C4 code)."""
    return rot90(rotate(x, theta_degrees), k)


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


def cube_rotate(volume: torch.Tensor, g_idx, convention: str = "left") -> torch.Tensor:
    """The 24 rotations of the cube on volumes (..., D, H, W), D = H = W, as exact voxel permutations.

    ``left`` (default): (g·x)(p) = x(R_g⁻¹ p), a left action compatible with ``get_group("O")``'s
    table. ``released``: x(R_g p), the released code's affine_grid resampling — an anti-homomorphism.
    """
    if convention not in ("left", "released"):
        raise ValueError(f"convention must be 'left' or 'released', got {convention!r}")
    if len(set(volume.shape[-3:])) != 1:
        raise ValueError(f"cube rotations need a cubic volume, got {tuple(volume.shape[-3:])}")
    mats = get_group("O").matrices
    return by_element(
        lambda g, v: _permute_voxels(v, mats[g] if convention == "left" else mats[g].T), g_idx, volume
    )


def rotate_vector_field(field: torch.Tensor, k, *, y_up: bool, components: str) -> torch.Tensor:
    """C4 on 2D vector fields: rotate by k·90° counter-clockwise in physical coordinates (x right,
    y up), moving the grid and reorienting the vectors: u'(p) = R u(R⁻¹ p).

    ``field`` is (..., C, H, W) with C = 2T: T vectors, each stored as two consecutive channels.
    Storage convention (explicit, see protocols §4.4): ``y_up`` — the row index grows upward
    (PhiFlow arrays) or downward (images); ``components`` — channel order "xy" or "yx". The stored
    y component is along increasing row index.
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


def act_two_digit(group: FiniteGroup, g_idx, x: torch.Tensor) -> torch.Tensor:
    """A×B on two-digit 56x56 images: A's ``act_2d`` on the left digit box (rows 14..41, columns
    0..27) and B's on the right one (columns 28..55), independently; the rest is left unchanged."""
    if group.factor_groups is None or x.shape[-2:] != (56, 56):
        raise ValueError(
            f"act_two_digit needs a product group and 56x56 images, got {group.name}, {tuple(x.shape[-2:])}"
        )
    a, b = group.factor_groups
    pair = torch.as_tensor(group.factors)[g_idx]
    out = x.clone()
    out[..., DIGIT_ROWS, LEFT_DIGIT] = act_2d(a, pair[..., 0], x[..., DIGIT_ROWS, LEFT_DIGIT])
    out[..., DIGIT_ROWS, RIGHT_DIGIT] = act_2d(b, pair[..., 1], x[..., DIGIT_ROWS, RIGHT_DIGIT])
    return out


def swap_fonts(pair: torch.Tensor, g_idx=1) -> torch.Tensor:
    """Z2 on TMNIST pairs (B, 2, ...), dim 1 = font: element 1 swaps the two fonts, 0 keeps them."""
    return by_element(lambda g, p: p.flip(1) if g else p.clone(), g_idx, pair)
