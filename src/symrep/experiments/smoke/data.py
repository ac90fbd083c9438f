"""The SMOKE rotation set (Wang, Walters & Yu; protocols.md §4.1): layout, physics checks, files.

Simulation k = 1..N has its inflow at position j = (k - 1) mod 4 — bottom, right, top, left wall —
and buoyancy k times that position's base force. Stored frames are (T, 2, R, R) float32: channels
(u_x, u_y), rows = y growing upward, columns = x (PhiFlow's layout), each component on the lower/left
faces of its cells (a MAC grid without the top/right wall faces, which are zero).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symrep.plumbing import atomic_path

GRID = 64  # the protocol's grid; positions below are in its cells and scale with the resolution
INFLOW = ((32.0, 5.0), (59.0, 32.0), (32.0, 59.0), (5.0, 32.0))  # (x, y) per inflow position j
BUOYANCY = ((0.0, 0.01), (-0.01, 0.0), (0.0, -0.011), (0.01, 0.0))  # base force per j (0.011: as released)
RADIUS = 5.0


def position(k: int) -> int:
    return (k - 1) % 4


def rotation_set(n: int) -> list[tuple[int, int]]:
    """(k, j) of the first n simulations of the rotation set (36 in the protocol)."""
    return [(k, position(k)) for k in range(1, n + 1)]


def file_name(k: int, j: int) -> str:
    return f"raw_data_{k}_{j}.npy"


def layout(tasks, resolution: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Inflow centres (S, 2), buoyancy forces (S, 2) and inflow radius of rotation-set simulations."""
    scale = resolution / GRID
    centers = np.array([INFLOW[j] for _, j in tasks]) * scale
    forces = np.array([np.multiply(BUOYANCY[j], k) for k, j in tasks])
    return centers, forces, RADIUS * scale


def symmetric_layout(buoyancy: float, resolution: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Four plumes related exactly by the quarter turns r^j of the box: inflow at position j and force
    r^j (0, buoyancy) (counter-clockwise in x right, y up). The check of the generator's C4 symmetry."""
    scale = resolution / GRID
    forces = np.array([(0.0, buoyancy), (-buoyancy, 0.0), (0.0, -buoyancy), (buoyancy, 0.0)])
    return np.array(INFLOW) * scale, forces, RADIUS * scale


def divergence(frames: np.ndarray) -> np.ndarray:
    """Discrete divergence per cell (..., R, R) of stored face velocities, with the walls' zero normal
    velocity on the right and top faces that storage drops."""
    ux, uy = frames[..., 0, :, :], frames[..., 1, :, :]
    right = np.concatenate([ux[..., 1:], np.zeros_like(ux[..., :1])], axis=-1)
    top = np.concatenate([uy[..., 1:, :], np.zeros_like(uy[..., :1, :])], axis=-2)
    return right - ux + top - uy


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


def save_frames(path: str | Path, frames: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, frames.astype(np.float32))


def load_simulations(paths) -> np.ndarray:
    """Stack stored simulations into (S, T, 2, R, R) float32, checking they agree in shape."""
    arrays = [np.load(p) for p in paths]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or len(next(iter(shapes))) != 4 or next(iter(shapes))[1] != 2:
        raise ValueError(f"simulation files disagree or are not (T, 2, R, R): {sorted(shapes)}")
    return np.stack(arrays).astype(np.float32, copy=False)
