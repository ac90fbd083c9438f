"""Members·epochs per second of ensemble training: members one by one (each a plain module with its own
optimiser) vs stacked into one batched model (loop over members, or torch.func.vmap over blocks of members).

    PYTHONPATH=src python bench/ensemble_throughput.py [--setup nordenfors_flinth|gerken_kessel]
        [--members 8] [--members-per-batch 1 8] [--steps 20] [--device auto] [--threads 1]

Timings come from `--steps` optimiser steps on random 28x28 images and are scaled to one epoch of the
paper's protocol (60,000 images per member). Noisy on a shared machine: run it more than once.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from symrep.experiments.ensembles.data import Normalizer, augmenter
from symrep.experiments.ensembles.task import EnsembleTask, TrainingData, epoch_generator, member_seed
from symrep.groups import get_group
from symrep.models.ensemble_cnns import build_member
from symrep.runtime import resolve_device

SETUPS = {  # spec, group, optimiser, lr, batch (originals), augmentation
    "nordenfors_flinth": (
        {"model": "support_cnn", "support": "cnn", "channels": 16, "init": "normal"},
        "C16",
        "sgd",
        0.01,
        32,
        "random",
    ),
    "gerken_kessel": (
        {"model": "plain_cnn", "channels": [32, 64, 64], "hidden": 62},
        "C4",
        "adam",
        1e-3,
        64,
        "full",
    ),
}
EPOCH_IMAGES = 60_000


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def one_by_one(spec, seeds, data, optimizer, lr, batch, augmentation, device) -> float:
    """Seconds for one pass over `data` of every member, trained alone one after another."""
    start = time.perf_counter()
    for seed in seeds:
        model = build_member(spec, seed).to(device)
        opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=lr)
        gen = epoch_generator(seed, 0)
        n = len(data.labels)
        order, elements = (
            torch.randperm(n, generator=gen).to(device),
            torch.randint(data.group_order, (n,), generator=gen).to(device),
        )
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            x, y = data.images[idx], data.labels[idx]
            if augmentation == "random":
                x = data.augment(elements[idx], x)
            else:
                x = torch.stack([data.augment(g, x) for g in range(data.group_order)], 1).flatten(0, 1)
                y = y.repeat_interleave(data.group_order)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    synchronize(device)
    return time.perf_counter() - start


def batched(spec, seeds, data, optimizer, lr, batch, augmentation, device, members_per_batch) -> float:
    val = (data.images[:1], data.labels[:1])
    task = EnsembleTask(
        spec,
        seeds,
        data,
        optimizer=optimizer,
        lr=lr,
        batch_size=batch,
        augmentation=augmentation,
        members_per_batch=members_per_batch,
        device=device,
        validation=val,
    )
    start = time.perf_counter()
    task.train_epoch(0, torch.Generator())
    synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=SETUPS, default="nordenfors_flinth")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--members-per-batch", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    spec, group_name, optimizer, lr, batch, augmentation = SETUPS[args.setup]
    group = get_group(group_name)
    gen = torch.Generator().manual_seed(0)
    n = args.steps * batch
    data = TrainingData(
        torch.rand(n, 1, 28, 28, generator=gen).to(device),
        torch.randint(0, 10, (n,), generator=gen).to(device),
        augmenter(group, Normalizer(0.13, 0.31), True),
        group.order,
    )
    seeds = [member_seed(0, i) for i in range(args.members)]
    common = (spec, seeds, data, optimizer, lr, batch, augmentation, device)
    one_by_one(*common)  # warm-up
    scale = n / EPOCH_IMAGES  # fraction of an epoch measured
    print(
        f"{args.setup}: {spec['model']}, {group_name}, {augmentation} augmentation, batch {batch}, "
        f"{args.members} members, {args.steps} steps, device {device}, {args.threads} thread(s)"
    )
    seconds = one_by_one(*common)
    base = args.members * scale / seconds
    print(f"  one by one            : {base:10.4g} members·epochs/s")
    for k in args.members_per_batch:
        rate = args.members * scale / batched(*common, k)
        label = "stacked, loop" if k == 1 else f"stacked, vmap {k:>3}"
        print(f"  {label:<22}: {rate:10.4g} members·epochs/s ({rate / base:.2f}x)")


if __name__ == "__main__":
    main()
