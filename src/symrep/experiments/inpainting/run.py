"""One image-inpainting training job: one (dataset, grouping, seed) on that seed's masked images.

The network is built right after seeding (the released notebook calls torch.manual_seed(run) just before
building each model), trained full batch for `epochs` steps, and the weights of the best validation MSE
are tested on the test images: the released loop's `best_test`.
"""

from __future__ import annotations

import logging

import torch

from symrep.experiments.inpainting.data import masked_pairs
from symrep.experiments.inpainting.task import InpaintingTask, make_model
from symrep.models.common import count_parameters
from symrep.runs import RunJob, finish_run, start_run
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
# Epochs between checkpoints: the trivial grouping's checkpoint (weights, Adam moments, best weights:
# about 0.55 GB) costs several of its epochs; every 50 keeps a killed job's loss to under a minute.
CHECKPOINT_EVERY = 50


def train_run(job: RunJob) -> dict:
    """Train `job.settings`' network on its dataset's masked images; write metrics, history and weights."""
    settings, seed = job.settings, job.seed
    device, rng = start_run(job)
    model = make_model(settings, device)
    data = torch.load(job.inputs["dataset"][0], weights_only=True)
    splits = masked_pairs(data, device)
    task = InpaintingTask(model, splits["fit"], splits["val"], settings["lr"])
    log.info(
        "inpainting %s %s seed %d on %s: %d parameters, %d fit / %d val / %d test images",
        settings["dataset"],
        settings["grouping"],
        seed,
        device,
        count_parameters(model),
        *(len(splits[s][0]) for s in ("fit", "val", "test")),
    )
    result = fit(
        task,
        max_epochs=settings["epochs"],
        stopping=EarlyStopping("val_mse", mode="min"),  # no early stop: best-validation selection only
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(data=data["meta"]),
        select="best",
        checkpoint_every=CHECKPOINT_EVERY,
    )
    test_x, test_y = splits["test"]
    metrics = {
        "dataset": settings["dataset"],
        "grouping": settings["grouping"],
        "params": count_parameters(model),
        "test_mse": task.mse(splits["test"]),
        "test_mse_of_masked_input": torch.nn.functional.mse_loss(test_x, test_y).item(),
        "best_val_mse": result.best["val_mse"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "train_seconds": sum(h["seconds"] for h in result.history),
        "device": str(device),
    }
    log.info("test MSE %.5f at best epoch %d", metrics["test_mse"], metrics["best_epoch"])
    return finish_run(job, metrics, result.history, model, settings=settings, seed=seed)
