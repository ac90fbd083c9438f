"""Buoyant smoke plumes simulated with PhiFlow 3.4, many simulations at once along a batch dimension.

The step follows Wang, Walters & Yu's rotation-set generator (protocols.md §4.1): MacCormack advection
of the smoke plus the inflow, buoyancy (smoke × force, resampled to the staggered velocity grid),
semi-Lagrangian self-advection of the velocity (dt = 1), then a pressure projection. The pressure solve
is plain conjugate gradients on the consistent Laplacian, warm-started from the previous pressure
(libcheck.md §1: the notebook's solver setting diverges in PhiFlow 3.4).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
from phi.torch import flow

from symrep.data import smoke
from symrep.data.smoke_action import ACTIONS, symmetry_errors

log = logging.getLogger(__name__)


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
    centers, forces, radius = smoke.layout(tasks, resolution)
    check_centers, check_forces, _ = smoke.symmetric_layout(check_buoyancy, resolution)
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
        smoke.save_frames(path, sim)
    smoke.save_frames(check_path, frames[len(tasks) :])
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
                "max_abs_divergence": float(np.abs(smoke.divergence(sim)).max()),
            }
            for (k, j), p, sim in zip(tasks, paths, frames)
        ],
        "symmetry_check": symmetry_summary(frames[len(tasks) :], check_buoyancy),
    }


def symmetry_summary(plumes: np.ndarray, buoyancy: float) -> dict:
    """Relative differences between plume 0 acted on by r^j and the plume simulated turned by r^j."""
    summary = {"buoyancy": buoyancy, "max_abs_divergence": float(np.abs(smoke.divergence(plumes)).max())}
    for name, errors in [
        ("cell_centred", symmetry_errors(plumes, centred=True)),
        *((f"stored_{a}", symmetry_errors(plumes, a)) for a in ACTIONS),
    ]:
        summary[name] = {
            f"r{j}": {"mean": float(e.mean()), "max": float(e.max()), "last": float(e[-1])}
            for j, e in zip((1, 2, 3), errors)
        }
    return summary
