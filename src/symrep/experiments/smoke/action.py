"""The C4 action on stored SMOKE velocity frames (the exact turn and the released one), and the check of the
generator against it.

Stored frames hold each velocity component on the lower/left faces of its cells (PhiFlow's MAC grid
without the top/right wall faces, which are zero), rows = y growing upward, columns = x.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from symrep.actions.elements import SignedPermutation, is_single, per_sample
from symrep.actions.vector_field import rotate_feature_maps, rotate_vector_field

#: how a quarter turn k acts on stored frames (see `act`): the protocols' augmentations
ACTIONS = ("staggered", "released")


def act(k, frames: torch.Tensor, action: str) -> torch.Tensor:
    """Quarter turns k (int, or (B,) per sample) of stored frames (..., 2T, R, R), T velocity frames.

    staggered: the exact turn of this layout: `turn`, then the component moved from one axis to the other
    shifted back onto its faces (`turn` alone leaves it one cell off them). released: the authors' code,
    torch.rot90 on the (y, x) arrays and (u_x, u_y) -> (-u_y, u_x): a clockwise turn of the grid with the
    vectors turned counter-clockwise, i.e. for odd k a rotation by -k composed with a sign flip of the
    velocity.
    """
    if action == "released":
        return rotate_vector_field(k, frames, y_up=False, components="yx")
    if action != "staggered":
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if is_single(k):
        return _staggered(int(k), frames)
    k = per_sample(k, frames)
    *_, c, h, w = frames.shape
    if c % 2 or h != w:
        raise ValueError(f"per-sample turns need (2T, R, R) frames, got {tuple(frames.shape[-3:])}")
    return _staggered_turns(h, frames.device).apply(k.remainder(4), frames)


def turn(k, frames: torch.Tensor) -> torch.Tensor:
    """Turn the grid counter-clockwise (x right, y up) and reorient the vectors: exact for cell-centred
    velocities; on the stored faces, the first step of the `staggered` action."""
    return rotate_vector_field(k, frames, y_up=True, components="xy")


def turn_feature_maps(k, z: torch.Tensor, action: str) -> torch.Tensor:
    """Quarter turns of feature maps (B, C, R, R), every channel's grid turned as `action` turns the input's
    (the latent action of Ours: the regular representation of C4 in each channel)."""
    return rotate_feature_maps(k, z, y_up=action != "released")


def _staggered(k: int, frames: torch.Tensor) -> torch.Tensor:
    return _onto_faces(k, turn(k, frames))


@functools.lru_cache(maxsize=8)
def _staggered_turns(r: int, device: torch.device) -> SignedPermutation:
    """The staggered action of k = 0..3 on one velocity frame (2, r, r): turn, reorient, shift onto faces."""
    return SignedPermutation.tabulate(_staggered, range(4), (2, r, r)).to(device)


def _onto_faces(k: int, frames: torch.Tensor) -> torch.Tensor:
    """After turning by k: shift u_x one cell towards +x (k = 1, 2) and u_y one cell towards +y (k = 2, 3),
    filling the wall faces with zeros."""
    v = frames.reshape(*frames.shape[:-3], -1, 2, *frames.shape[-2:]).clone()
    if k % 4 in (1, 2):
        v[..., 0, :, 1:], v[..., 0, :, 0] = v[..., 0, :, :-1].clone(), 0
    if k % 4 in (2, 3):
        v[..., 1, 1:, :], v[..., 1, 0, :] = v[..., 1, :-1, :].clone(), 0
    return v.reshape(frames.shape)


def cell_centred(frames: np.ndarray) -> np.ndarray:
    """Face velocities averaged to cell centres (walls' zero right/top faces restored): a layout on which
    quarter turns of the box act exactly, unlike the stored one (offset by half a cell per component)."""
    ux, uy = frames[..., 0, :, :], frames[..., 1, :, :]
    right = np.concatenate([ux[..., 1:], np.zeros_like(ux[..., :1])], axis=-1)
    top = np.concatenate([uy[..., 1:, :], np.zeros_like(uy[..., :1, :])], axis=-2)
    return np.stack([(ux + right) / 2, (uy + top) / 2], axis=-3)


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """‖a − b‖ / ‖b‖ per leading index (frame), over the remaining axes."""
    axes = tuple(range(1, a.ndim))
    return np.sqrt(((a - b) ** 2).sum(axes) / np.maximum((b**2).sum(axes), 1e-30))


def target_plume(j: int, action: str) -> int:
    """Which plume of `generate.symmetric_layout` plume 0 turned by j should match (the released action
    turns the grid the other way)."""
    return (-j) % 4 if action == "released" else j


def symmetry_errors(plumes: np.ndarray, action: str = "staggered", centred: bool = False) -> np.ndarray:
    """Relative difference, per frame, between plume 0 acted on by j = 1, 2, 3 and the plume simulated
    with the correspondingly turned inflow and buoyancy (`generate.symmetric_layout`): (3, T). `centred`
    compares cell-centred velocities turned exactly (`turn`: the simulation's symmetry alone)."""
    if centred:
        plumes = cell_centred(plumes)
    base = torch.from_numpy(np.ascontiguousarray(plumes[0]))
    acted = [turn(j, base) if centred else act(j, base, action) for j in (1, 2, 3)]
    target = [j if centred else target_plume(j, action) for j in (1, 2, 3)]
    return np.stack([relative_difference(a.numpy(), plumes[t]) for a, t in zip(acted, target)])
