"""SMOKE data generation: the rotation set of Wang, Walters & Yu simulated with PhiFlow 3.4, many
simulations at once along a batch dimension, and its data card (settings, timing, physics checks).

Simulation (k, j) has its inflow at position j (bottom, right, top, left wall) and buoyancy k times that
position's base force. Stored frames are (T, 2, R, R) float32: channels (u_x, u_y), rows = y growing
upward, columns = x (PhiFlow's layout), each component on the lower/left faces of its cells (a MAC grid
without the top/right wall faces, which are zero).

The step: MacCormack advection of the smoke plus the inflow, buoyancy (smoke × force, resampled to the
staggered velocity grid), semi-Lagrangian self-advection of the velocity (dt = 1), then a pressure
projection. The pressure solve is plain conjugate gradients on the consistent Laplacian, warm-started
from the previous pressure (the notebook's solver setting diverges in PhiFlow 3.4; docs/smoke.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
from phi.torch import flow

from symrep.experiments.smoke.action import ACTIONS, symmetry_errors
from symrep.plumbing import atomic_path

log = logging.getLogger(__name__)
GRID = 64  # the protocol's grid; positions below are in its cells and scale with the resolution
INFLOW = ((32.0, 5.0), (59.0, 32.0), (32.0, 59.0), (5.0, 32.0))  # (x, y) per inflow position j
BUOYANCY = ((0.0, 0.01), (-0.01, 0.0), (0.0, -0.011), (0.01, 0.0))  # base force per j (0.011: as released)
RADIUS = 5.0


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


def save_frames(path: str | Path, frames: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, frames.astype(np.float32))


@dataclass(frozen=True)
class Solver:
    rel_tol: float = 1e-5
    abs_tol: float = 1e-4
    max_iterations: int = 1000
    precision: int = 64  # floating-point bits of the simulation (frames are stored as float32)


def simulate(
    centers: np.ndarray,
    forces: np.ndarray,
    *,
    steps: int,
    resolution: int,
    radius: float,
    solver: Solver = Solver(),
    log_every: int = 25,
) -> np.ndarray:
    """Run len(centers) plumes for `steps` steps; return the velocity after every step as float32
    (S, steps, 2, R, R): components (u_x, u_y), rows = y growing upward, columns = x, each component on
    its lower/left cell faces (PhiFlow's staggered tensor without its last face row/column).

    centers: (S, 2) inflow sphere centres (x, y) in cells; forces: (S, 2) buoyancy per unit smoke.
    """
    centers, forces = np.asarray(centers, float), np.asarray(forces, float)
    if centers.shape != forces.shape or centers.ndim != 2 or centers.shape[1] != 2:
        raise ValueError(f"centers and forces must both be (S, 2), got {centers.shape} and {forces.shape}")
    with flow.math.precision(solver.precision):
        bounds = flow.Box(x=resolution, y=resolution)
        grid = dict(x=resolution, y=resolution, bounds=bounds)
        sims = flow.batch(sim=len(centers))
        smoke = flow.CenteredGrid(0, flow.extrapolation.BOUNDARY, **grid)
        velocity = flow.StaggeredGrid(0, flow.extrapolation.ZERO, **grid)
        inflow = flow.CenteredGrid(
            flow.Sphere(center=flow.tensor(centers, sims, flow.channel(vector="x,y")), radius=radius),
            flow.extrapolation.BOUNDARY,
            **grid,
        )
        force = flow.tensor(forces, sims, flow.channel(vector="x,y"))
        pressure, frames, start = None, [], time.perf_counter()
        for step in range(steps):
            smoke = flow.advect.mac_cormack(smoke, velocity, dt=1) + inflow
            velocity = flow.advect.semi_lagrangian(velocity, velocity, dt=1) + flow.resample(
                smoke * force, to=velocity
            )
            solve = flow.Solve(
                "CG",
                solver.rel_tol,
                solver.abs_tol,
                x0=pressure,
                max_iterations=solver.max_iterations,
                rank_deficiency=0,
            )
            velocity, pressure = flow.fluid.make_incompressible(velocity, (), solve)
            staggered = velocity.staggered_tensor().numpy("sim,vector,y,x")
            frames.append(staggered[:, :, :resolution, :resolution].astype(np.float32))
            if (step + 1) % log_every == 0 or step + 1 == steps:
                elapsed = time.perf_counter() - start
                log.info(
                    "step %d/%d  %d simulations  %.2f s/step  max|u|=%.3g",
                    step + 1,
                    steps,
                    len(centers),
                    elapsed / (step + 1),
                    float(np.abs(frames[-1]).max()),
                )
    return np.stack(frames, axis=1)


def generate(
    tasks, *, steps: int, resolution: int, solver: Solver, check_buoyancy: float, paths, check_path
) -> dict:
    """Simulate the rotation-set simulations `tasks` ((k, j) pairs) and the four plumes of the symmetry
    check in one batch; store each simulation's frames after its first step (T = steps - 1) at `paths`
    and the check plumes at `check_path`; return the data card (settings, timing, physics checks)."""
    centers, forces, radius = layout(tasks, resolution)
    check_centers, check_forces, _ = symmetric_layout(check_buoyancy, resolution)
    start = time.perf_counter()
    frames = simulate(
        np.concatenate([centers, check_centers]),
        np.concatenate([forces, check_forces]),
        steps=steps,
        resolution=resolution,
        radius=radius,
        solver=solver,
    )[:, 1:]
    seconds = time.perf_counter() - start
    for path, sim in zip(paths, frames):
        save_frames(path, sim)
    save_frames(check_path, frames[len(tasks) :])
    return {
        "dataset": "smoke rotation set (Wang, Walters & Yu), generated",
        "generator": {
            "phiflow": version("phiflow"),
            "phiml": version("phiml"),
            "steps": steps,
            "resolution": resolution,
            "inflow_radius": radius,
            **asdict(solver),
            "seconds": seconds,
            "simulations_in_batch": len(frames),
            "seconds_per_step": seconds / steps,
        },
        "simulations": [
            {
                "k": k,
                "j": j,
                "file": Path(p).name,
                "shape": list(sim.shape),
                "max_speed": float(np.abs(sim).max()),
                "max_abs_divergence": float(np.abs(divergence(sim)).max()),
            }
            for (k, j), p, sim in zip(tasks, paths, frames)
        ],
        "symmetry_check": symmetry_summary(frames[len(tasks) :], check_buoyancy),
    }


def symmetry_summary(plumes: np.ndarray, buoyancy: float) -> dict:
    """Relative differences between plume 0 acted on by r^j and the plume simulated turned by r^j."""
    summary = {"buoyancy": buoyancy, "max_abs_divergence": float(np.abs(divergence(plumes)).max())}
    for name, errors in [
        ("cell_centred", symmetry_errors(plumes, centred=True)),
        *((f"stored_{a}", symmetry_errors(plumes, a)) for a in ACTIONS),
    ]:
        summary[name] = {
            f"r{j}": {"mean": float(e.mean()), "max": float(e.max()), "last": float(e[-1])}
            for j, e in zip((1, 2, 3), errors)
        }
    return summary
