"""One SMOKE training run: data resident on the device, training, then Future and Domain test RMSE."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch

from symrep.data.smoke import load_simulations
from symrep.experiments.smoke import SmokeTask, Windows, rollout_rmse
from symrep.files import environment, fingerprint
from symrep.models.common import count_parameters
from symrep.models.smoke import build
from symrep.runtime import resolve_device, seed_everything
from symrep.training import MeanPlateauStopping, fit

log = logging.getLogger(__name__)


def train_and_evaluate(
    run: dict,
    seed: int,
    train_files,
    domain_files,
    *,
    checkpoint: str | Path,
    device: str = "auto",
    deterministic: bool = False,
) -> tuple[dict, list[dict], torch.nn.Module]:
    """Train the run described by `run` (symrep.experiments.smoke_settings.run_settings) with `seed` on the
    simulations in `train_files`, test it there (Future) and on `domain_files` (Domain); return
    (metrics, per-epoch history, model)."""
    start = time.perf_counter()
    win, tr, hp = run["windows"], run["training"], run["hyperparameters"]
    dev = resolve_device(device)
    rng = seed_everything(seed, deterministic)
    train_data = torch.from_numpy(load_simulations(train_files)).to(dev)
    domain_data = torch.from_numpy(load_simulations(domain_files)).to(dev)
    frames = dict(input_frames=win["input_frames"], offset=win["offset"])
    train = Windows.grid(train_data, win["train"], target_frames=tr["train_steps"], **frames)
    valid = Windows.grid(train_data, win["valid"], target_frames=tr["valid_steps"], **frames)
    future = Windows.grid(train_data, win["test_future"], target_frames=tr["test_steps"], **frames)
    domain = Windows.grid(domain_data, win["test_domain"], target_frames=tr["test_steps"], **frames)
    log.info(
        "%s seed %d on %s: %d train, %d valid, %d Future, %d Domain windows",
        run["model"],
        seed,
        dev,
        len(train),
        len(valid),
        len(future),
        len(domain),
    )

    model = build(
        run["architecture"], run["network"], input_frames=win["input_frames"], resolution=train_data.shape[-1]
    ).to(dev)
    bf16 = dev.type in tr["bf16"]
    task = SmokeTask(
        model,
        train,
        valid,
        loss=run["loss"],
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
    stopping = MeanPlateauStopping("val_rmse", window=tr["plateau_window"], min_epochs=tr["min_epochs"])
    identity = {
        "run": run,
        "seed": seed,
        "deterministic": deterministic,
        "device": dev.type,
        "data": [Path(f).name for f in (*train_files, *domain_files)],
    }
    result = fit(
        task,
        max_epochs=tr["max_epochs"],
        stopping=stopping,
        rng=rng,
        checkpoint=checkpoint,
        fingerprint=fingerprint(identity),
        select=tr["select"],
    )
    epoch_seconds = sum(h["seconds"] for h in result.history)
    model.eval()
    metrics = {
        "model": run["model"],
        "seed": seed,
        "parameters": count_parameters(model),
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
        "environment": environment(),
    }
    log.info(
        "%s seed %d: Future RMSE %.4f, Domain RMSE %.4f (%s-epoch weights, %d epochs)",
        run["model"],
        seed,
        metrics["future_rmse"],
        metrics["domain_rmse"],
        result.selected,
        len(result.history),
    )
    return metrics, result.history, model
