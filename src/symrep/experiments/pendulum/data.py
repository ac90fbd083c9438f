"""The double-pendulum trajectories of one dataset (the released code's `HamiltonianDataset` protocol).

Each system starts from a random initial condition (`system.initial_conditions`) and is integrated over
`horizon` time units, sampled every `dt` (150 states for 30 and 0.2). The trajectory is cut into
consecutive chunks of `chunk_len` states and one chunk, chosen uniformly, is kept: a training example is
that chunk (its first state is the initial condition, the rest the targets). The test examples keep only
the first state z0 of their chunk: the rollout error compares the model's rollout from z0 over the whole
horizon with the true one, integrated afresh from z0. Train, validation and test systems are disjoint,
all drawn by one generator seeded with `data_seed` (the released code fixes seed 2021 for every trial).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from symrep.experiments.pendulum.ode import odeint
from symrep.experiments.pendulum.system import SpringPendulum, initial_conditions
from symrep.plumbing import atomic_path

log = logging.getLogger(__name__)
SPLITS = ("train", "val", "test")


def output_times(horizon: float, dt: float) -> torch.Tensor:
    """0, dt, 2dt, ... below `horizon` (the released code's np.arange(0, horizon, dt))."""
    return torch.arange(round(horizon / dt), dtype=torch.float64) * dt


def integrate(system: SpringPendulum, z0: torch.Tensor, times: torch.Tensor, settings: dict) -> torch.Tensor:
    """True trajectories (n, len(times), 12), integrated in float64 as one batch."""
    with torch.no_grad():
        return odeint(
            system.vector_field,
            z0.double(),
            times,
            rtol=settings["generator_rtol"],
            atol=settings["generator_atol"],
        )


def choose_chunks(trajectories: torch.Tensor, chunk_len: int, rng: np.random.Generator) -> torch.Tensor:
    """One uniformly chosen chunk of `chunk_len` consecutive states per trajectory: (n, chunk_len, 12)."""
    n, length, _ = trajectories.shape
    n_chunks = length // chunk_len
    index = torch.from_numpy(rng.integers(0, n_chunks, n))
    chunks = trajectories[:, : n_chunks * chunk_len].unflatten(1, (n_chunks, chunk_len))
    return chunks[torch.arange(n), index]


def build_dataset(settings: dict) -> dict:
    """Chunks of the train/val systems, test initial states and their true rollouts, energies; float32
    tensors as the models use them (integration in float64)."""
    system = SpringPendulum.from_settings(settings["constants"], settings["hamiltonian"])
    rng = np.random.default_rng(settings["data_seed"])
    sizes = {split: settings[split] for split in SPLITS}
    z0 = torch.from_numpy(initial_conditions(sum(sizes.values()), settings["initial"], rng))
    long_times = output_times(settings["horizon"], settings["dt"])
    chunks = choose_chunks(integrate(system, z0, long_times, settings), settings["chunk_len"], rng)
    train, val, test = chunks.split(list(sizes.values()))
    test_z0 = test[:, 0]
    rollouts = integrate(system, test_z0, long_times, settings)
    energy = system.energy(rollouts)
    return {
        "train": train.float(),
        "val": val.float(),
        "test_z0": test_z0.float(),
        "test_rollouts": rollouts.float(),
        "chunk_times": long_times[: settings["chunk_len"]].float(),
        "rollout_times": long_times.float(),
        "energy_drift": float((energy - energy[:, :1]).abs().max()),
        "meta": dict(settings),
    }


def make_dataset(settings: dict, out: str | Path) -> None:
    data = build_dataset(settings)
    with atomic_path(out) as tmp:
        torch.save(data, tmp)
    log.info(
        "pendulum (%s Hamiltonian): %d/%d/%d systems, %d rollout times; max |H(t) - H(0)| on the test "
        "rollouts %.2e",
        settings["hamiltonian"],
        len(data["train"]),
        len(data["val"]),
        len(data["test_z0"]),
        len(data["rollout_times"]),
        data["energy_drift"],
    )
