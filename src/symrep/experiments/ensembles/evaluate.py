"""One run's evaluation: its members and bootstrapped ensembles on whole group orbits."""

from __future__ import annotations

import logging

import pandas as pd
import torch

from symrep.experiments.ensembles.data import (
    Normalizer,
    augmenter,
    load_split,
    noise_images,
    subset,
    training_images,
)
from symrep.experiments.ensembles.metrics import METRICS, OrbitAccumulator, ensemble_draws
from symrep.files import write_csv
from symrep.groups import get_group
from symrep.models.ensemble_cnns import build_member
from symrep.models.stacked import StackedEnsemble
from symrep.runtime import resolve_device, seed_everything

log = logging.getLogger(__name__)


def eval_sets(s: dict, files: list[str], ood_files: list[str], normalize: Normalizer, n: int | None) -> dict:
    """{"id": (unit images, labels, normaliser), "ood": (unit images, None, normaliser)}."""
    images, labels = load_split(s["dataset"], files, "test")
    keep = subset(len(labels), n, s["seed"])
    if s["ood_dataset"] is None:
        ood = noise_images(len(keep), s["seed"])
    else:
        ood = load_split(s["ood_dataset"], ood_files, "test")[0]
        ood = ood[subset(len(ood), n, s["seed"])]
    ood_normalize = normalize if s["ood_normalization"] == "train" else Normalizer(0.0, 1.0)
    return {"id": (images[keep], labels[keep], normalize), "ood": (ood, None, ood_normalize)}


def load_blocks(weights_files: list[str]) -> list[dict]:
    return [torch.load(f, map_location="cpu", weights_only=False) for f in weights_files]


def members_at(
    blocks: list[dict], epoch: int, members_per_batch: int, device: torch.device
) -> StackedEnsemble:
    """All members of the given training blocks, as one stacked model holding their weights at `epoch`."""
    template = build_member(blocks[0]["spec"], 0)
    model = StackedEnsemble([template] * sum(len(b["members"]) for b in blocks), members_per_batch)
    states = [b["snapshots"][epoch] for b in blocks]
    model.load_stacked_state({k: torch.cat([st[k] for st in states]) for k in states[0]})
    return model.to(device).eval()


@torch.no_grad()
def orbit_logits(model: StackedEnsemble, x: torch.Tensor, transform, group_order: int) -> torch.Tensor:
    """(P, G, n, C) logits of every member on every transformed copy g·x of the unit images x."""
    orbit = torch.cat([transform(g, x) for g in range(group_order)])
    return model(orbit, shared=True).view(model.size, group_order, len(x), -1)


def evaluate_sets(
    model: StackedEnsemble,
    sets: dict,
    group,
    before_normalizing: bool,
    weights,
    mean: str,
    chunk: int,
    device: torch.device,
) -> dict[str, tuple[dict, dict]]:
    """Per eval set: (member metrics (P,), ensemble metrics (S,)) for the ensembles given by `weights`."""
    out = {}
    for name, (images, labels, normalize) in sets.items():
        transform = augmenter(group, normalize, before_normalizing)
        acc = OrbitAccumulator(weights, mean)
        for start in range(0, len(images), chunk):
            x = images[start : start + chunk].to(device)
            y = labels[start : start + chunk].to(device) if labels is not None else None
            acc.add(orbit_logits(model, x, transform, group.order), y)
        out[name] = acc.result()
        log.info("%s set: %d images x %d group elements evaluated", name, len(images), group.order)
    return out


def _rows(metrics: dict, **columns) -> list[dict]:
    n = len(metrics["osp"])
    return [
        {
            **{k: (v[i] if isinstance(v, list) else v) for k, v in columns.items()},
            **{m: float(metrics[m][i]) for m in METRICS},
        }
        for i in range(n)
    ]


def evaluate(
    s: dict,
    files: list[str],
    ood_files: list[str],
    weights_files: list[str],
    out_csv: str,
    *,
    device: str = "auto",
    deterministic: bool = False,
) -> None:
    """Members and ensembles at the last epoch (metrics.ensemble_draws: bootstrapped per size, or disjoint),
    and, for each epoch in s["curve_epochs"], the members and the ensemble of all members; one long CSV."""
    device = resolve_device(device)
    seed_everything(s["seed"], deterministic)
    group = get_group(s["group"])
    normalize = training_images(s, files)[2]
    blocks = load_blocks(weights_files)
    model = members_at(blocks, s["epochs"], s["members_per_batch"], device)
    pool = model.size
    draws, sizes, numbers = ensemble_draws(pool, s, torch.Generator().manual_seed(s["seed"]))
    rows = []
    sets = eval_sets(s, files, ood_files, normalize, s["eval_samples"])
    log.info("evaluating %d members and %d ensembles on %s", pool, len(draws), list(sets))
    for name, (members, ensembles) in evaluate_sets(
        model, sets, group, s["augment_before_normalizing"], draws, s["mean"], s["chunk"], device
    ).items():
        rows += _rows(members, eval_set=name, epoch=s["epochs"], kind="member", member=list(range(pool)))
        rows += _rows(ensembles, eval_set=name, epoch=s["epochs"], kind="ensemble", size=sizes, draw=numbers)
    curve_sets = eval_sets(s, files, ood_files, normalize, s["curve_samples"]) if s["curve_epochs"] else {}
    everyone = torch.full((1, pool), 1.0 / pool)
    for epoch in s["curve_epochs"]:
        model = members_at(blocks, epoch, s["members_per_batch"], device)
        for name, (members, ensembles) in evaluate_sets(
            model, curve_sets, group, s["augment_before_normalizing"], everyone, s["mean"], s["chunk"], device
        ).items():
            rows += _rows(members, eval_set=name, epoch=epoch, kind="curve_member", member=list(range(pool)))
            rows += _rows(ensembles, eval_set=name, epoch=epoch, kind="curve_ensemble", size=pool)
        log.info("epoch %d evaluated", epoch)
    frame = pd.DataFrame(rows).assign(group=s["group"], architecture=s["architecture"])
    write_csv(out_csv, frame)
