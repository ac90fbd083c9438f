"""One DDMNIST training job (main paper §6.1, appendix C.1): one (group, model, seed) on one seed's dataset.

The model is selected at its best validation accuracy (transformed validation pairs, one fixed draw) and
tested on the plain and on the augmented test set (one fixed draw of the training augmentation).
"""

from __future__ import annotations

import logging

import torch

from symrep.experiments.ddmnist.pairs import DDMNISTPairs, PairAugmentation, digit_noise
from symrep.experiments.ddmnist.task import make_model, make_task
from symrep.experiments.paired_classification import EvalSet
from symrep.models.common import count_parameters
from symrep.runs import RunJob, finish_run, start_run
from symrep.runtime import stream_generator
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
STREAMS = {"val": 1, "test": 2}  # seeded streams of the fixed transformed validation and test draws


def load_split(data: dict, split: str, augmentation: PairAugmentation, device: torch.device) -> DDMNISTPairs:
    return DDMNISTPairs(data[f"{split}_digits"], data[f"{split}_labels"], augmentation, device)


def train_run(job: RunJob) -> dict:
    """Train `job.settings`' model on its group's DDMNIST; write metrics, history and weights."""
    settings, seed = job.settings, job.seed
    device, rng = start_run(job)
    data = torch.load(job.inputs["dataset"][0], weights_only=True)
    noise = digit_noise(settings["group"], settings.get("c4_noise"))
    augmentation = PairAugmentation(settings["group"], noise)
    val = EvalSet.transformed(
        load_split(data, "val", augmentation, device), stream_generator(seed, STREAMS["val"])
    )
    model = make_model(settings, device)
    task = make_task(settings, model, load_split(data, "train", augmentation, device), val, augmentation)
    log.info(
        "DDMNIST %s %s seed %d on %s: %d parameters, noise %s",
        settings["group"],
        settings["model"],
        seed,
        device,
        count_parameters(model),
        noise,
    )
    result = fit(
        task,
        max_epochs=settings["max_epochs"],
        stopping=EarlyStopping("val_acc", mode="max", patience=settings["patience"]),
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(data=data["meta"]),
        select="best",
    )
    test = load_split(data, "test", augmentation, device)
    plain = task.evaluate(EvalSet.clean(test))
    augmented = task.evaluate(EvalSet.transformed(test, stream_generator(seed, STREAMS["test"])))
    metrics = {
        "group": settings["group"],
        "model": settings["model"],
        "params": count_parameters(model),
        "test_acc": plain["acc"],
        "test_loss": plain["loss"],
        "aug_test_acc": augmented["acc"],
        "aug_test_loss": augmented["loss"],
        "aug_test_equivariance": augmented["equivariance"],
        "aug_test_equivariance_rel": augmented["equivariance_rel"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "stopped_early": result.stopped_early,
        "best_val_acc": result.best["val_acc"],
        "train_seconds": sum(h["seconds"] for h in result.history),
        "noise": noise,
        "device": str(device),
    }
    log.info(
        "test accuracy %.4f (plain), %.4f (augmented) at best epoch %d",
        metrics["test_acc"],
        metrics["aug_test_acc"],
        metrics["best_epoch"],
    )
    return finish_run(job, metrics, result.history, model, settings=settings, seed=seed)
