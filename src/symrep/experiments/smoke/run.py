"""One SMOKE training job (main paper §6.3, appendix C.3): one (model, seed) on the training simulations.

The simulations stay resident on the device; the model is trained on the training windows, selected on
the validation windows, and tested on later windows of the training simulations (Future) and on the
held-out simulations (Domain). Evaluation has no random draws: every window is rolled out, in order.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch

from symrep.experiments.smoke.data import Windows, load_simulations
from symrep.experiments.smoke.task import SmokeTask, rollout_rmse
from symrep.models.common import count_parameters
from symrep.models.smoke import build
from symrep.runs import RunJob, finish_run, start_run
from symrep.training import MeanPlateauStopping, fit

log = logging.getLogger(__name__)


def train_run(job: RunJob) -> dict:
    """Train `job.settings`' model (SmokePlan.run_settings) on the simulations of input `train`, test it
    there (Future) and on those of input `domain` (Domain); write metrics, history and weights."""
    start = time.perf_counter()
    settings, seed = job.settings, job.seed
    win, tr, hp = settings["windows"], settings["training"], settings["hyperparameters"]
    dev, rng = start_run(job)
    train_data = torch.from_numpy(load_simulations(job.inputs["train"])).to(dev)
    domain_data = torch.from_numpy(load_simulations(job.inputs["domain"])).to(dev)
    frames = dict(input_frames=win["input_frames"], offset=win["offset"])
    train = Windows.grid(train_data, win["train"], target_frames=tr["train_steps"], **frames)
    valid = Windows.grid(train_data, win["valid"], target_frames=tr["valid_steps"], **frames)
    future = Windows.grid(train_data, win["test_future"], target_frames=tr["test_steps"], **frames)
    domain = Windows.grid(domain_data, win["test_domain"], target_frames=tr["test_steps"], **frames)
    log.info(
        "%s seed %d on %s: %d train, %d valid, %d Future, %d Domain windows",
        settings["model"],
        seed,
        dev,
        len(train),
        len(valid),
        len(future),
        len(domain),
    )

    model = build(
        settings["architecture"],
        settings["network"],
        input_frames=win["input_frames"],
        resolution=train_data.shape[-1],
    ).to(dev)
    bf16 = dev.type in tr["bf16"]
    task = SmokeTask(
        model,
        train,
        valid,
        loss=settings["loss"],
        lam=hp.get("lambda", 0.0),
        lr=hp["lr"],
        lr_decay=tr["lr_decay"],
        weight_decay=tr["weight_decay"],
        batch_size=tr["batch_size"],
        train_steps=tr["train_steps"],
        valid_steps=tr["valid_steps"],
        action=tr["action"],
        bf16=bf16,
    )
    files = [Path(f).name for f in (*job.inputs["train"], *job.inputs["domain"])]
    result = fit(
        task,
        max_epochs=tr["max_epochs"],
        stopping=MeanPlateauStopping("val_rmse", window=tr["plateau_window"], min_epochs=tr["min_epochs"]),
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(deterministic=job.deterministic, device=dev.type, data=files),
        select=tr["select"],
    )
    epoch_seconds = sum(h["seconds"] for h in result.history)
    model.eval()
    metrics = {
        "model": settings["model"],
        "params": count_parameters(model),
        "future_rmse": rollout_rmse(model, future, tr["test_steps"], tr["batch_size"]),
        "domain_rmse": rollout_rmse(model, domain, tr["test_steps"], tr["batch_size"]),
        "best_val_rmse": result.best["val_rmse"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "stopped_early": result.stopped_early,
        "selected": result.selected,
        "test_steps": tr["test_steps"],
        "windows": {
            "train": len(train),
            "valid": len(valid),
            "test_future": len(future),
            "test_domain": len(domain),
        },
        "epoch_seconds": epoch_seconds,
        "total_seconds": time.perf_counter() - start,
        "train_windows_per_s": len(train) * len(result.history) / max(epoch_seconds, 1e-9),
        "device": str(dev),
        "bf16": bf16,
        "resumed_from": result.resumed_from,
    }
    log.info(
        "%s seed %d: Future RMSE %.4f, Domain RMSE %.4f (%s-epoch weights, %d epochs)",
        settings["model"],
        seed,
        metrics["future_rmse"],
        metrics["domain_rmse"],
        result.selected,
        len(result.history),
    )
    return finish_run(job, metrics, result.history, model, run=settings, seed=seed)
