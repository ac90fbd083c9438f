"""Image inpainting: seconds per training epoch (one full-batch Adam step and the validation pass) of each
grouping's network on the current device, with Adam's fused and default (foreach) implementations.

Inputs are random (their content does not change the cost); sizes are the protocol's (80 training and
20 validation images, 28 hidden channels).

    python bench/inpainting_throughput.py [--device auto] [--threads 1] [--epochs 10] [--groupings ...]
"""

from __future__ import annotations

import argparse
import time

import torch

from symrep.experiments.inpainting.plan import GROUPINGS
from symrep.experiments.inpainting.task import InpaintingTask, make_model
from symrep.models.common import count_parameters
from symrep.runtime import resolve_device


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (the rule uses 1)")
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per grouping")
    parser.add_argument("--hidden", type=int, default=28)
    parser.add_argument("--groupings", nargs="+", default=list(GROUPINGS), choices=list(GROUPINGS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    gen = torch.Generator().manual_seed(0)
    fit = tuple(torch.randn(80, 1, 784, generator=gen).to(device) for _ in range(2))
    val = tuple(torch.randn(20, 1, 784, generator=gen).to(device) for _ in range(2))
    print(f"device {device}, {args.threads} thread(s); seconds per epoch (train step + validation)")
    print(f"{'grouping':>9} {'parameters':>11} {'fused':>8} {'foreach':>8}")
    for grouping in args.groupings:
        settings = {"cluster_side": GROUPINGS[grouping], "hidden": args.hidden}
        cells = []
        for fused in (True, False):
            model = make_model(settings, device)
            task = InpaintingTask(model, fit, val, lr=0.01)
            if not fused:
                task.optimizer = torch.optim.Adam(model.parameters(), lr=0.01, foreach=True)
            rng = torch.Generator()
            for epoch in range(2):  # warm-up (allocations, Adam state)
                task.train_epoch(epoch, rng), task.validate(epoch)
            synchronize(device)
            start = time.perf_counter()
            for epoch in range(args.epochs):
                model.train()
                task.train_epoch(epoch, rng)
                task.validate(epoch)
            synchronize(device)
            cells.append((time.perf_counter() - start) / args.epochs)
        print(f"{grouping:>9} {count_parameters(model):>11,} {cells[0]:>8.3f} {cells[1]:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
