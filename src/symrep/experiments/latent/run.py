"""One run (experiment × seed) of the learned-representation experiments: data, training, analysis, files.

Randomness: the seed fixes model initialisation and training order/augmentation (`seed_everything`),
and, through generators of their own, the train/validation split and the validation and test pairs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import torch

from symrep.data.loaders import load_dataset
from symrep.experiments.latent.data import CifarC4Pairs, MNISTD3Pairs, TMNISTPairs, split_indices
from symrep.experiments.latent.glyphs import load_glyphs
from symrep.experiments.latent.task import SPECS, LatentTask, analyse
from symrep.files import environment, fingerprint, save_weights, write_csv, write_json
from symrep.groups import get_group
from symrep.models.latent import LatentActionModel
from symrep.runtime import resolve_device, seed_everything
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
_STREAMS = {"split": 1, "val": 2, "test": 3}


def _generator(seed: int, stream: str) -> torch.Generator:
    return torch.Generator().manual_seed(1000 * seed + _STREAMS[stream])


def _tmnist_sources(s: dict, files: list[str], seed: int, device) -> dict:
    glyphs, _ = load_glyphs(files[0])
    glyphs = torch.as_tensor(glyphs, device=device)
    return {
        split: TMNISTPairs(
            glyphs, s[f"{split}_samples"], s["digits"], s["max_rotation"], tuple(s["scale_range"])
        )
        for split in ("train", "val", "test")
    }


def _image_splits(arrays: dict, s: dict, seed: int, eval_split: str = "test") -> dict[str, torch.Tensor]:
    """Indices: train/val drawn disjointly from the official training split; test from `eval_split`."""
    gen = _generator(seed, "split")
    train, val = split_indices(len(arrays["train_images"]), (s["train_samples"], s["val_samples"]), gen)
    (test,) = split_indices(len(arrays[f"{eval_split}_images"]), (s["test_samples"],), gen)
    return {"train": train, "val": val, "test": test}


def _mnist_sources(s: dict, files: list[str], seed: int, device) -> dict:
    arrays = load_dataset("mnist", files)
    idx = _image_splits(arrays, s, seed)
    rotate_x1 = s["augment_rotation"]
    return {
        split: MNISTD3Pairs(
            torch.as_tensor(
                arrays[f"{'test' if split == 'test' else 'train'}_images"][idx[split]], device=device
            ),
            s["rotation_degrees"],
            rotate_x1,
        )
        for split in ("train", "val", "test")
    }


def _cifar_sources(s: dict, files: list[str], seed: int, device) -> dict:
    arrays = load_dataset("cifar10", files)
    idx = _image_splits(arrays, s, seed, s["eval_split"])
    out = {}
    for split in ("train", "val", "test"):
        origin = s["eval_split"] if split == "test" else "train"
        images = torch.as_tensor(arrays[f"{origin}_images"][idx[split]], device=device).permute(0, 3, 1, 2)
        out[split] = CifarC4Pairs(
            images, torch.as_tensor(arrays[f"{origin}_labels"][idx[split]], device=device)
        )
    return out


SOURCES = {"tmnist_z2": _tmnist_sources, "mnist_d3": _mnist_sources, "cifar10_c4": _cifar_sources}
NETWORK_OPTIONS = {"cifar10_c4": lambda s: {"head": s["head"]}}


def train_run(
    name: str,
    settings: dict,
    files: list[str],
    *,
    seed: int,
    device: str,
    deterministic: bool,
    trace_every: int,
    checkpoint: str | Path,
    outputs: dict[str, str],
) -> dict:
    """Train one run and write `outputs` (metrics, history, eigenvalues, weights); returns the metrics."""
    spec = SPECS[name]
    rng = seed_everything(seed, deterministic)
    dev = resolve_device(device)
    sources = SOURCES[name](settings, files, seed, dev)
    log.info(
        "%s seed %d on %s: %s pairs (train/val/test)",
        name,
        seed,
        dev,
        "/".join(str(len(sources[k])) for k in ("train", "val", "test")),
    )
    n_gens = len(get_group(spec.group).generators)
    options = NETWORK_OPTIONS.get(name, lambda s: {})(settings)
    model = LatentActionModel(spec.network, settings["latent_dim"], n_gens, spec.init, **options).to(dev)
    initial = [g.detach().cpu().clone() for g in model.generators()]
    task = LatentTask(
        spec, settings, model, sources, trace_every=trace_every, val_generator=_generator(seed, "val")
    )
    stopping = EarlyStopping("val_loss", patience=settings["patience"], min_delta=settings["min_delta"])
    result = fit(
        task,
        max_epochs=settings["max_epochs"],
        stopping=stopping,
        rng=rng,
        checkpoint=checkpoint,
        fingerprint=fingerprint(
            {"name": name, "settings": settings, "seed": seed, "trace": trace_every, "files": files}
        ),
        select="best",
    )
    model.eval()
    with torch.no_grad():
        test = task.evaluate(sources["test"], sources["test"].plan(_generator(seed, "test")))
    generators = [g.detach().cpu() for g in model.generators()]
    metrics = {
        "experiment": name,
        "group": spec.group,
        "seed": seed,
        "epochs": len(result.history),
        "best_epoch": result.best_epoch + 1,
        "stopped_early": result.stopped_early,
        "test": test,
        **analyse(spec, generators),
        "initial": analyse(spec, initial),
        "settings": settings,
        "environment": environment(),
    }
    write_json(outputs["metrics"], metrics)
    write_csv(outputs["history"], result.history)
    write_csv(
        outputs["eigenvalues"],
        pd.DataFrame(
            [
                {"step": step, "epoch": epoch, "index": i, "real": v.real, "imag": v.imag}
                for step, epoch, values in task.trace
                for i, v in enumerate(values)
            ]
        ),
    )
    save_weights(outputs["weights"], model, generators=generators, initial_generators=initial)
    log.info(
        "%s seed %d: algebra loss %.3g, irreps %s",
        name,
        seed,
        metrics["algebra_loss"],
        {k: round(v, 3) for k, v in metrics["irreps"].items()},
    )
    return metrics
