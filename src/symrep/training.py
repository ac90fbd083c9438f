"""The one training harness every experiment uses.

An experiment supplies a `TrainingTask` (model, optimiser, optional scheduler, one function that runs
a training epoch and one that validates). `fit` adds everything else: per-epoch checkpoints that a
killed job resumes from with the same final result as an uninterrupted run, early stopping and
best-validation selection, divergence detection, and a per-epoch log line and history.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from symrep.plumbing import atomic_path

log = logging.getLogger(__name__)


class TrainingDivergedError(RuntimeError):
    """A training metric became NaN or infinite."""


class TrainingTask(Protocol):
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any  # an LR scheduler stepped by the task itself, or None

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]: ...

    def validate(self, epoch: int) -> dict[str, float]: ...

    # Optional: a task with state of its own that a resumed run needs (recorded trajectories, adapted
    # loss weights) defines state_dict() and load_state_dict(state); fit checkpoints it with the model.


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    `patience=None` never stops early. Decisions are a pure function of the monitored history,
    so a resumed run decides exactly as an uninterrupted one would.
    """

    monitor: str
    mode: str = "min"
    patience: int | None = None
    min_delta: float = 0.0

    def _better(self, value: float, reference: float, delta: float) -> bool:
        return value < reference - delta if self.mode == "min" else value > reference + delta

    def should_stop(self, values: list[float]) -> bool:
        if self.patience is None:
            return False
        best, wait = math.nan, 0
        for v in values:
            if math.isnan(best) or self._better(v, best, self.min_delta):
                best, wait = v, 0
            else:
                wait += 1
        return wait >= self.patience

    def best_epoch(self, values: list[float]) -> int:
        """Index of the first strictly best value (the checkpoint kept by best-validation selection)."""
        best = 0
        for i, v in enumerate(values):
            if self._better(v, values[best], 0.0):
                best = i
        return best


@dataclass(frozen=True)
class MeanPlateauStopping:
    """Wang et al.'s rule: after `min_epochs`, stop when the mean of the last `window` values of
    `monitor` is no better than the mean of the `window` before (minimised metric)."""

    monitor: str
    window: int = 5
    min_epochs: int = 100
    mode: str = "min"

    def should_stop(self, values: list[float]) -> bool:
        if len(values) <= self.min_epochs or len(values) < 2 * self.window:
            return False
        last, previous = np.mean(values[-self.window :]), np.mean(values[-2 * self.window : -self.window])
        return bool(last >= previous)

    def best_epoch(self, values: list[float]) -> int:
        return EarlyStopping(self.monitor, self.mode).best_epoch(values)


@dataclass
class FitResult:
    history: list[dict[str, float]]
    best_epoch: int  # 0-based index into history
    stopped_early: bool
    resumed_from: int | None  # number of epochs already done when this process started
    selected: str  # "best" or "last": which weights the model holds now
    best_model: dict  # the best-validation weights (a state dict), whichever the model holds

    @property
    def best(self) -> dict[str, float]:
        return self.history[self.best_epoch]


@dataclass
class _State:
    epochs_done: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    best_model: dict | None = None


def _rng_states(rng: torch.Generator) -> dict:
    states = {
        "data": rng.get_state(),
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _restore_rng(states: dict, rng: torch.Generator) -> None:
    rng.set_state(states["data"])
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _check_finite(metrics: dict[str, float], epoch: int, phase: str) -> None:
    bad = {k: v for k, v in metrics.items() if not math.isfinite(v)}
    if bad:
        raise TrainingDivergedError(f"training diverged at epoch {epoch + 1} ({phase}): {bad}")


def fit(
    task: TrainingTask,
    *,
    max_epochs: int,
    stopping: EarlyStopping | MeanPlateauStopping,
    rng: torch.Generator,
    checkpoint: str | Path,
    fingerprint: str = "",
    select: str = "best",
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    checkpoint_every: int = 1,
) -> FitResult:
    """Train for up to `max_epochs`, resuming from `checkpoint` when it holds a run with the same
    `fingerprint` (a digest of everything that defines the run; a mismatch starts afresh).

    `select="best"` leaves the best-validation weights in the model, `"last"` the final ones.
    The checkpoint is written after every `checkpoint_every`-th epoch (more than 1 for models whose
    checkpoint costs more than their epoch; a killed run then redoes at most that many epochs) and
    deleted once training has finished.
    """
    if select not in ("best", "last"):
        raise ValueError(f"select must be 'best' or 'last', not {select!r}")
    if checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be at least 1, not {checkpoint_every}")
    checkpoint = Path(checkpoint)
    state, resumed_from = _State(), None
    if checkpoint.exists():
        saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
        if saved.get("fingerprint") == fingerprint:
            task.model.load_state_dict(saved["model"])
            task.optimizer.load_state_dict(saved["optimizer"])
            if task.scheduler is not None:
                task.scheduler.load_state_dict(saved["scheduler"])
            _restore_rng(saved["rng"], rng)
            if hasattr(task, "load_state_dict"):
                task.load_state_dict(saved["task"])
            state = _State(saved["epochs_done"], saved["history"], saved["best_model"])
            resumed_from = state.epochs_done
            log.info("resuming from %s after epoch %d", checkpoint, state.epochs_done)
        else:
            log.info("ignoring %s: it belongs to a run with other settings", checkpoint)

    monitor = stopping.monitor
    stopped_early = bool(state.history) and stopping.should_stop([h[monitor] for h in state.history])
    while state.epochs_done < max_epochs and not stopped_early:
        epoch = state.epochs_done
        start = time.perf_counter()
        task.model.train()
        train_metrics = task.train_epoch(epoch, rng)
        _check_finite(train_metrics, epoch, "train")
        task.model.eval()
        with torch.no_grad():
            val_metrics = task.validate(epoch)
        _check_finite(val_metrics, epoch, "validation")
        if monitor not in val_metrics:
            raise KeyError(f"validation metrics {sorted(val_metrics)} lack the monitored '{monitor}'")
        record = {"epoch": epoch + 1, **train_metrics, **val_metrics, "seconds": time.perf_counter() - start}
        state.history.append(record)
        state.epochs_done += 1
        values = [h[monitor] for h in state.history]
        if stopping.best_epoch(values) == epoch:
            state.best_model = copy.deepcopy(task.model.state_dict())
        stopped_early = stopping.should_stop(values)
        log.info(
            "epoch %d/%d  %s  (%.1f s)%s",
            epoch + 1,
            max_epochs,
            "  ".join(f"{k}={v:.4g}" for k, v in record.items() if k not in ("epoch", "seconds")),
            record["seconds"],
            "  early stop" if stopped_early else "",
        )
        if on_epoch:
            on_epoch(epoch, record)
        if state.epochs_done % checkpoint_every:
            continue
        with atomic_path(checkpoint) as tmp:
            torch.save(
                {
                    "fingerprint": fingerprint,
                    "epochs_done": state.epochs_done,
                    "history": state.history,
                    "model": task.model.state_dict(),
                    "optimizer": task.optimizer.state_dict(),
                    "scheduler": task.scheduler.state_dict() if task.scheduler is not None else None,
                    "best_model": state.best_model,
                    "rng": _rng_states(rng),
                    "task": task.state_dict() if hasattr(task, "state_dict") else None,
                },
                tmp,
            )

    if not state.history:
        raise ValueError("max_epochs must be at least 1")
    best_epoch = stopping.best_epoch([h[monitor] for h in state.history])
    if select == "best":
        task.model.load_state_dict(state.best_model)
    checkpoint.unlink(missing_ok=True)
    return FitResult(state.history, best_epoch, stopped_early, resumed_from, select, state.best_model)
