"""Reference implementations the tests check the pipeline against (slow, obvious, not used by the pipeline)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from symrep.actions.cubic import _permute_voxels
from symrep.actions.planar import act_2d
from symrep.experiments.smoke.action import _onto_faces
from symrep.groups import FiniteGroup, get_group

DIGIT_ROWS = slice(14, 42)  # the DDMNIST canvas 56x56: rows of both digit boxes
LEFT_DIGIT, RIGHT_DIGIT = slice(0, 28), slice(28, 56)


# ---------------------------------------------------------------- the per-element actions before lever A
# (verbatim, commit 18f50c8): a Python loop over the distinct elements of a batch with boolean masks. The
# batched (gather / grid_sample) actions of symrep.actions must equal these bit for bit.


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


def old_rot90(k, x: torch.Tensor) -> torch.Tensor:
    return by_element(lambda kk, xs: torch.rot90(xs, kk, dims=(-2, -1)), k, x)


def old_rotate(degrees, x: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    h, w = x.shape[-2:]
    deg = torch.as_tensor(degrees, dtype=x.dtype, device=x.device)
    flat = x.reshape(x.shape[0] if deg.dim() == 1 else 1, -1, h, w)
    t = torch.deg2rad(deg).reshape(-1)
    c, s, zero = torch.cos(t), torch.sin(t), torch.zeros_like(t)
    theta = torch.stack([torch.stack([c, -s * h / w, zero], -1), torch.stack([s * w / h, c, zero], -1)], -2)
    grid = F.affine_grid(theta.expand(flat.shape[0], 2, 3), list(flat.shape), align_corners=False)
    return F.grid_sample(flat, grid, mode=mode, padding_mode="zeros", align_corners=False).reshape(x.shape)


def old_act_2d(group: FiniteGroup, g_idx, x: torch.Tensor) -> torch.Tensor:
    n = group.n_rot

    def one(g, xs):
        k = int(group.rotation_k[g])
        xs = xs.flip(-1) if group.reflect[g] else xs
        return old_rot90(4 * k // n, xs) if (4 * k) % n == 0 else old_rotate(360.0 * k / n, xs)

    return by_element(one, g_idx, x)


def old_cube_rotate(g_idx, volume: torch.Tensor, convention: str = "left") -> torch.Tensor:
    mats = get_group("O").matrices
    return by_element(
        lambda g, v: _permute_voxels(v, mats[g] if convention == "left" else mats[g].T), g_idx, volume
    )


def old_rotate_vector_field(k, field: torch.Tensor, *, y_up: bool, components: str) -> torch.Tensor:
    *lead, c, h, w = field.shape
    v = field.reshape(*lead, c // 2, 2, h, w)
    v = v.flip(-3) if components == "yx" else v

    def one(kk, vs):
        m = (kk if y_up else -kk) % 4
        vs = torch.rot90(vs, -m, dims=(-2, -1))
        a, b = vs.unbind(-3)
        a, b = ((a, b), (-b, a), (-a, -b), (b, -a))[m]
        return torch.stack((a, b), -3)

    v = by_element(one, k, v)
    v = v.flip(-3) if components == "yx" else v
    return v.reshape(field.shape)


def old_rotate_feature_maps(k, x: torch.Tensor, *, y_up: bool = False) -> torch.Tensor:
    return by_element(lambda kk, xs: torch.rot90(xs, kk if not y_up else -kk, dims=(-2, -1)), k, x)


def old_smoke_act(k, frames: torch.Tensor, action: str) -> torch.Tensor:
    if action == "released":
        return old_rotate_vector_field(k, frames, y_up=False, components="yx")
    return by_element(_onto_faces, k, old_rotate_vector_field(k, frames, y_up=True, components="xy"))


# ---------------------------------------------------------------- other references


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


def swap_fonts(g_idx, pair: torch.Tensor) -> torch.Tensor:
    """Z2 on TMNIST pairs (B, 2, ...), dim 1 = font: element 1 swaps the two fonts, 0 keeps them."""
    return by_element(lambda g, p: p.flip(1) if g else p.clone(), g_idx, pair)


def group_average(f, x, group: FiniteGroup, act_in, act_out=None) -> torch.Tensor:
    """Invariant (1/|G|) Σ_g f(g·x) if act_out is None, else equivariant (1/|G|) Σ_g g⁻¹·f(g·x)."""
    outs = []
    for g in range(group.order):
        y = f(act_in(g, x))
        outs.append(y if act_out is None else act_out(group.inverse(g), y))
    return torch.stack(outs).mean(0)


@torch.no_grad()
def orbit_same_predictions(predict_logits, x, group: FiniteGroup, act_in) -> torch.Tensor:
    """Per sample, the number of g (identity included) with argmax f(g·x) == argmax f(x): 1..|G|."""
    ref = predict_logits(x).argmax(-1)
    return sum((predict_logits(act_in(g, x)).argmax(-1) == ref).long() for g in range(group.order))


def _sample_norm(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], -1).norm(dim=1)


@torch.no_grad()
def equivariance_error(f, x, group: FiniteGroup, act_in, act_out=None) -> float:
    """Mean over g and samples of ‖f(g·x) - g·f(x)‖ / ‖f(x)‖; act(g, x) callables, act_out None =
    trivial (invariance)."""
    fx = f(x)
    errs = []
    for g in range(group.order):
        target = fx if act_out is None else act_out(g, fx)
        errs.append(_sample_norm(f(act_in(g, x)) - target) / _sample_norm(fx).clamp_min(1e-30))
    return float(torch.stack(errs).mean())


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
