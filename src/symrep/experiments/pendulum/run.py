"""One double-pendulum training job: a (dynamics, model) pair for one seed on the shared dataset.

The model trains for `epochs` epochs and the final weights are tested (the released trainers keep no
best-validation checkpoint): each test system's model rollout from z0 over the whole horizon against the
true one, scored by the rollout error (`metrics.rollout_error`).
"""

from __future__ import annotations

import ctypes
import logging
import time

import torch

from symrep.experiments.pendulum.metrics import equivariance_error, random_orthogonal, rollout_error
from symrep.experiments.pendulum.models import Dynamics, PlainMLP, Scalars, scalars, vectors
from symrep.experiments.pendulum.task import DynamicsTask
from symrep.models.common import count_parameters
from symrep.runs import RunJob, finish_run, start_run
from symrep.runtime import stream_generator
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
EQUIVARIANCE_STREAM = 1  # the random orthogonal matrix of the equivariance check
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def keep_freed_memory() -> None:
    """Have glibc keep freed memory for reuse: by default it hands the megabytes of each solver stage's
    tensors back to the system and page-faults them in again at the next stage (a sixth of a Scalars
    N-ODE epoch's CPU time; `bench/pendulum_radial.py`). No-op where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    libc.mallopt(M_MMAP_THRESHOLD, 1 << 25)


def make_model(settings: dict, train_z0: torch.Tensor) -> Dynamics:
    """The run's model; Scalars' radial basis spans the scalars of the training chunks' first states."""
    kind, arch = settings["dynamics"], settings["architecture"]
    layers = (arch["hidden"], arch["hidden_layers"], arch["activation"])
    if settings["model"] == "mlp":
        return Dynamics(PlainMLP(kind, *layers))
    rbf = None
    if settings["rbf_centres"]:
        s = scalars(vectors(train_z0), torch.tensor([0.0, 0.0, -1.0]), settings["features"])
        rbf = (settings["rbf_centres"], float(s.min()), float(s.max()))
    return Dynamics(Scalars(kind, settings["features"], *layers, rbf=rbf))


def test(task: DynamicsTask, data: dict, seed: int) -> dict:
    """Rollout error and chunk MSE on the test systems; the O(3) equivariance error of the vector field."""
    model = task.model.eval()
    start, stats = time.perf_counter(), {}
    with torch.no_grad():
        pred = task.rollout(data["test_z0"], data["rollout_times"], stats)
    true = data["test_rollouts"]
    chunk = len(data["chunk_times"])
    z0 = data["test_z0"]
    q = random_orthogonal(stream_generator(seed, EQUIVARIANCE_STREAM), z0.dtype).to(z0.device)
    gravity = z0.new_tensor([0.0, 0.0, -1.0])
    return {
        "rollout_error": rollout_error(pred, true),
        "test_mse": float((pred[:, :chunk] - true[:, :chunk]).pow(2).mean()),
        "final_relative_error": float(
            ((pred[:, -1] - true[:, -1]).norm(dim=-1) / true[:, -1].norm(dim=-1)).mean()
        ),
        "equivariance_error": equivariance_error(lambda z, g: model(z, 0.0, g), z0, gravity, q),
        "test_solver_steps": stats["steps"],
        "test_seconds": time.perf_counter() - start,
    }


def train_run(job: RunJob) -> dict:
    """Train `job.settings`' model on the dataset, test it; write metrics, history and weights."""
    settings, seed = job.settings, job.seed
    keep_freed_memory()
    device, rng = start_run(job)
    data = torch.load(job.inputs["dataset"][0], weights_only=True)
    data = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in data.items()}
    dynamics = make_model(settings, data["train"][:, 0].cpu()).to(device)
    task = DynamicsTask(dynamics, data, settings)
    log.info(
        "pendulum %s %s seed %d: %d parameters, %d training chunks",
        settings["dynamics"],
        settings["model"],
        seed,
        count_parameters(dynamics),
        len(data["train"]),
    )
    result = fit(
        task,
        max_epochs=settings["epochs"],
        stopping=EarlyStopping("val_mse", mode="min"),
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(data=data["meta"]),
        select="last",
    )
    metrics = {
        "dynamics": settings["dynamics"],
        "model": settings["model"],
        "device": str(device),
        "params": count_parameters(dynamics),
        **test(task, data, seed),
        "final_train_mse": result.history[-1]["train_mse"],
        "final_val_mse": result.history[-1]["val_mse"],
        "epochs": len(result.history),
        "train_seconds": sum(h["seconds"] for h in result.history),
        "hamiltonian": data["meta"]["hamiltonian"],
        "data_energy_drift": data["energy_drift"],
    }
    log.info(
        "rollout error %.4g (geometric mean over %d test systems and %d times)",
        metrics["rollout_error"],
        len(data["test_z0"]),
        len(data["rollout_times"]),
    )
    return finish_run(job, metrics, result.history, dynamics, settings=settings, seed=seed)
