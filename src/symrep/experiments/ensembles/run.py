"""One ensemble training job: a block of members of one run, trained together as one batched model."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch

from symrep.experiments.ensembles.data import augmenter, load_split, subset, training_images
from symrep.experiments.ensembles.task import EnsembleTask, TrainingData, member_seed
from symrep.groups import get_group
from symrep.plumbing import atomic_path
from symrep.runs import RunJob, finish_run, start_run
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)


def train_run(job: RunJob) -> dict:
    """Train members settings["members"] = [start, stop) together; write history, weights and metrics.
    The weights file holds `snapshots` {epoch: {parameter name: (members, ...) tensor}} for the last epoch,
    and for every epoch from 0 (initialisation) on when settings["keep_epochs"]."""
    s = job.settings
    device, rng = start_run(job)
    group = get_group(s["group"])
    images, labels, normalize = training_images(s, job.inputs["data"])
    val_images, val_labels = load_split(s["dataset"], job.inputs["data"], "test")
    keep = subset(len(val_labels), s["val_samples"], s["seed"])
    indices = list(range(*s["members"]))
    seeds = [member_seed(s["seed"], i) for i in indices]
    data = TrainingData(
        images.to(device),
        labels.to(device),
        augmenter(group, normalize, s["augment_before_normalizing"]),
        group.order,
    )
    task = EnsembleTask(
        s["spec"],
        seeds,
        data,
        optimizer=s["optimizer"],
        lr=s["lr"],
        batch_size=s["batch_size"],
        augmentation=s["augmentation"],
        members_per_batch=s["members_per_batch"],
        device=device,
        validation=(normalize(val_images[keep]).to(device), val_labels[keep].to(device)),
    )
    log.info(
        "training members %d..%d (%d) of %s on %s, group %s, %d images, device %s",
        indices[0],
        indices[-1],
        len(indices),
        s["spec"],
        s["dataset"],
        s["group"],
        len(labels),
        device,
    )
    snapshots_dir = Path(f"{job.checkpoint}.epochs")
    snapshots = {0: task.model.stacked_state()} if s["keep_epochs"] else {}

    def on_epoch(epoch: int, record: dict) -> None:
        if s["keep_epochs"]:
            with atomic_path(snapshots_dir / f"epoch{epoch + 1}.pt") as tmp:
                torch.save(task.model.stacked_state(), tmp)

    start = time.perf_counter()
    result = fit(
        task,
        max_epochs=s["epochs"],
        stopping=EarlyStopping("val_acc", mode="max"),
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(),
        select="last",
        on_epoch=on_epoch,
    )
    seconds = time.perf_counter() - start
    if s["keep_epochs"]:
        for epoch in range(1, s["epochs"] + 1):
            snapshots[epoch] = torch.load(snapshots_dir / f"epoch{epoch}.pt")
    snapshots[s["epochs"]] = task.model.stacked_state()
    trained_epochs = len(result.history) - (result.resumed_from or 0)
    metrics = {
        "members": indices,
        "epochs": len(result.history),
        "final": result.history[-1],
        "train_images": len(labels),
        "seconds": seconds,
        "member_epochs_per_second": len(indices) * trained_epochs / seconds,  # epochs over train_images
        "member_images_per_second": len(indices) * trained_epochs * len(labels) / seconds,
        "resumed_from": result.resumed_from,
    }
    metrics = finish_run(
        job,
        metrics,
        result.history,
        task.model,
        snapshots=snapshots,
        members=indices,
        seeds=seeds,
        spec=s["spec"],
    )
    for path in sorted(snapshots_dir.glob("epoch*.pt")):
        path.unlink()
    if snapshots_dir.exists():
        snapshots_dir.rmdir()
    return metrics
