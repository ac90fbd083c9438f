"""One MedMNIST3D training job (main paper §6.2, appendix C.2): one (dataset, model, seed) on its npz.

Validation follows the training distribution (turned volumes for cnn_aug and ours: one fixed draw, or a
fresh one every epoch under `val_draw: per_epoch`), selection is by best validation accuracy, and the test
set is the un-rotated one, scored with medmnist's own ACC/AUC; accuracy on randomly turned test volumes is
reported beside it.
"""

from __future__ import annotations

import logging

from symrep.data.loaders import load_dataset
from symrep.experiments.medmnist3d.data import load_split
from symrep.experiments.medmnist3d.plan import AUGMENTED
from symrep.experiments.medmnist3d.task import make_model, make_task, medmnist_scores
from symrep.experiments.paired_classification import EvalSet
from symrep.models.common import count_parameters
from symrep.runs import RunJob, finish_run, start_run
from symrep.runtime import stream_generator
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
STREAMS = {"val": 1, "test": 2}  # seeded streams of the turned validation and test draws


def train_run(job: RunJob) -> dict:
    """Train `job.settings`' model on MedMNIST3D dataset `job.extra["dataset"]`; write metrics, history and
    weights."""
    settings, seed, flag = job.settings, job.seed, job.extra["dataset"]
    device, rng = start_run(job)
    arrays = load_dataset(flag, job.inputs["npz"])
    augment = AUGMENTED[settings["model"]]
    model = make_model(settings, flag, device)
    task = make_task(
        settings,
        model,
        load_split(arrays, "train", settings, device, augment=augment),
        load_split(arrays, "val", settings, device, augment=augment),
        stream_generator(seed, STREAMS["val"]),
    )
    log.info(
        "MedMNIST3D %s %s seed %d on %s: %d parameters",
        flag,
        settings["model"],
        seed,
        device,
        count_parameters(model),
    )
    result = fit(
        task,
        max_epochs=settings["max_epochs"],
        stopping=EarlyStopping("val_acc", mode="max", patience=settings["patience"]),
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(dataset=flag),
        select="best",
    )
    plain = EvalSet.clean(load_split(arrays, "test", settings, device, augment=False))
    test = medmnist_scores(model, plain, flag, settings["eval_batch_size"])
    turned = task.evaluate(
        EvalSet.transformed(
            load_split(arrays, "test", settings, device, augment=True),
            stream_generator(seed, STREAMS["test"]),
        )
    )
    metrics = {
        "dataset": flag,
        "model": settings["model"],
        "params": count_parameters(model),
        "test_acc": test["acc"],
        "test_auc": test["auc"],
        "rotated_test_acc": turned["acc"],
        "rotated_test_equivariance": turned["equivariance"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "stopped_early": result.stopped_early,
        "best_val_acc": result.best["val_acc"],
        "train_seconds": sum(h["seconds"] for h in result.history),
        "resumed_from": result.resumed_from,
        "device": str(device),
    }
    log.info(
        "test accuracy %.4f, AUC %.4f (un-rotated); %.4f on rotated volumes; best epoch %d",
        metrics["test_acc"],
        metrics["test_auc"],
        metrics["rotated_test_acc"],
        metrics["best_epoch"],
    )
    return finish_run(job, metrics, result.history, model, settings=settings, seed=seed)
