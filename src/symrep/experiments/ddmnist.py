"""DDMNIST (main paper §6.1, appendix C.1): build the dataset, train CNN / Ours, evaluate, render Table 4.

A run is one (group, model, seed). "cnn" is the CNN trained on augmented data (λ = 0); "ours" adds the
latent equivariance loss against the regular representation of the product group (C4xC4, D1xD1, D4xD4)
on the 66-dim latent, padded with trivial copies (`latent_representation`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from symrep.data.ddmnist import DDMNISTPairs, PairAugmentation, build_ddmnist, digit_noise
from symrep.data.loaders import load_dataset
from symrep.experiments.classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.files import environment, fingerprint, save_weights, write_csv, write_json
from symrep.models.common import count_parameters
from symrep.models.ddmnist import DDMNISTCNN
from symrep.plumbing import atomic_path
from symrep.representations import latent_representation
from symrep.runtime import resolve_device, seed_everything
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
_EVAL_STREAMS = {"val": 1, "test": 2}  # separate seeded streams for the fixed transformed val/test draws
CHANNELS_LAST = torch.channels_last  # about 1.35x faster training on the CPU (bench/ddmnist_throughput.py)


def make_dataset(mnist_files: list[str | Path], sizes: dict[str, int], seed: int, out: str | Path) -> None:
    """Sample the digit pairs of every split from MNIST and save them (uint8) with their settings."""
    data = build_ddmnist(load_dataset("mnist", mnist_files), sizes, seed)
    data["meta"] = {"seed": seed, "sizes": dict(sizes)}
    with atomic_path(out) as tmp:
        torch.save(data, tmp)
    log.info("DDMNIST seed %d: %s pairs", seed, {s: len(data[f"{s}_labels"]) for s in sizes})


def load_split(data: dict, split: str, augmentation: PairAugmentation, device: torch.device) -> DDMNISTPairs:
    return DDMNISTPairs(data[f"{split}_digits"], data[f"{split}_labels"], augmentation, device)


def eval_generator(seed: int, split: str) -> torch.Generator:
    return torch.Generator().manual_seed(1000 * seed + _EVAL_STREAMS[split])


def train_run(
    dataset: str | Path,
    settings: dict,
    seed: int,
    *,
    device: str,
    deterministic: bool,
    checkpoint: str | Path,
    metrics: str | Path,
    history: str | Path,
    weights: str | Path,
) -> dict:
    """Train one model on one group's DDMNIST with one seed; write metrics, history and weights."""
    device = resolve_device(device)
    rng = seed_everything(seed, deterministic)
    data = torch.load(dataset, weights_only=True)
    noise = digit_noise(settings["group"], settings.get("c4_augmentation", "paper"))
    augmentation = PairAugmentation(settings["group"], noise)
    val = EvalSet.transformed(load_split(data, "val", augmentation, device), eval_generator(seed, "val"))
    model = DDMNISTCNN(latent_dim=settings["latent_dim"]).to(device, memory_format=CHANNELS_LAST)
    task = PairedClassificationTask(
        model,
        train=load_split(data, "train", augmentation, device),
        val=val,
        rho=latent_representation(augmentation.product, settings["latent_dim"]),
        weights=LossWeights(1.0, settings["shifted_task_weight"], settings["lambda"]),
        lr=settings["lr"],
        batch_size=settings["batch_size"],
    )
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
        checkpoint=checkpoint,
        fingerprint=fingerprint({**settings, "seed": seed, "data": data["meta"]}),
        select="best",
    )
    test = load_split(data, "test", augmentation, device)
    plain = task.evaluate(EvalSet.clean(test))
    augmented = task.evaluate(EvalSet.transformed(test, eval_generator(seed, "test")))
    out = {
        "group": settings["group"],
        "model": settings["model"],
        "seed": seed,
        "params": count_parameters(model),
        "test_acc": plain["acc"],
        "test_loss": plain["loss"],
        "aug_test_acc": augmented["acc"],
        "aug_test_loss": augmented["loss"],
        "aug_test_equivariance": augmented["equivariance"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "stopped_early": result.stopped_early,
        "best_val_acc": result.best["val_acc"],
        "train_seconds": sum(h["seconds"] for h in result.history),
        "noise": noise,
        "device": str(device),
        "settings": settings,
        "environment": environment(),
    }
    log.info(
        "test accuracy %.4f (plain), %.4f (augmented) at best epoch %d",
        out["test_acc"],
        out["aug_test_acc"],
        out["best_epoch"],
    )
    write_csv(history, result.history)
    save_weights(weights, model, settings=settings, seed=seed)
    write_json(metrics, out)
    return out
