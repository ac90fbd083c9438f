"""One SMOKE training job (main paper §6.3, appendix C.3): one (model, seed) on the training simulations.

The simulations stay resident on the device; the model is trained on the training windows, validated on
the validation windows, and tested on later windows of the training simulations (Future) and on the
held-out simulations (Domain), once per protocol the run serves: with that protocol's weights (last
epoch or best validation) and rollout length. Evaluation has no random draws: every window is rolled
out, in order.
"""

from __future__ import annotations

import copy
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
    """Train `job.settings`' model (SmokePlan.train_settings) on the simulations of input `train`, test it
    there (Future) and on those of input `domain` (Domain) under each of its `evaluations`; write metrics,
    history and weights (the last epoch's as `model`, the best-validation ones as `best_model`)."""
    start = time.perf_counter()
    settings, seed = job.settings, job.seed
    win, tr, hp = settings["windows"], settings["training"], settings["hyperparameters"]
    dev, rng = start_run(job)
    train_data = torch.from_numpy(load_simulations(job.inputs["train"])).to(dev)
    domain_data = torch.from_numpy(load_simulations(job.inputs["domain"])).to(dev)
    frames = dict(input_frames=win["input_frames"], offset=win["offset"])
    evaluations = settings["evaluations"]
    test_steps = max(e["test_steps"] for e in evaluations.values())
    train = Windows.grid(train_data, win["train"], target_frames=tr["train_steps"], **frames)
    valid = Windows.grid(train_data, win["valid"], target_frames=tr["valid_steps"], **frames)
    future = Windows.grid(train_data, win["test_future"], target_frames=test_steps, **frames)
    domain = Windows.grid(domain_data, win["test_domain"], target_frames=test_steps, **frames)
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
        bf16=bf16,
        action=settings.get("action"),
        pairs=settings.get("equivariance_pairs"),
    )
    files = [Path(f).name for f in (*job.inputs["train"], *job.inputs["domain"])]
    result = fit(
        task,
        max_epochs=tr["max_epochs"],
        stopping=MeanPlateauStopping("val_rmse", window=tr["plateau_window"], min_epochs=tr["min_epochs"]),
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(deterministic=job.deterministic, device=dev.type, data=files),
        select="last",
    )
    epoch_seconds = sum(h["seconds"] for h in result.history)
    model.eval()
    weights = {"last": copy.deepcopy(model.state_dict()), "best": result.best_model}
    tests = {}
    for selected in ("best", "last"):
        model.load_state_dict(weights[selected])
        for protocol, e in evaluations.items():
            if e["tested_weights"] == selected:
                tests[protocol] = {
                    **e,
                    "future_rmse": rollout_rmse(model, future, e["test_steps"], tr["batch_size"]),
                    "domain_rmse": rollout_rmse(model, domain, e["test_steps"], tr["batch_size"]),
                }
    metrics = {
        "model": settings["model"],
        "params": count_parameters(model),
        "evaluations": {p: tests[p] for p in evaluations},
        "best_val_rmse": result.best["val_rmse"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "stopped_early": result.stopped_early,
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
    for protocol, t in metrics["evaluations"].items():
        log.info(
            "%s seed %d, %s: Future RMSE %.4f, Domain RMSE %.4f (%s weights of %d epochs, %d-step rollouts)",
            settings["model"],
            seed,
            protocol,
            t["future_rmse"],
            t["domain_rmse"],
            t["tested_weights"],
            len(result.history),
            t["test_steps"],
        )
    return finish_run(
        job, metrics, result.history, model, best_model=weights["best"], run=settings, seed=seed
    )
