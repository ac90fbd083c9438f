"""Group actions at the pipeline's shapes: the old per-element loop against the batched gather, side by side.

For each action: calls/s of the old path (a Python loop over the distinct elements of the batch with boolean
masks, `tests/oracles.py`) and of the current one (one gather over precomputed tables; bilinear angles as one
grid_sample), the ratio, and whether the outputs are bit-identical. "one element" rows time an int element
(the whole batch turned alike), which keeps the old single-element code.

    python bench/actions_throughput.py [--device cpu|cuda] [--threads N] [--seconds 0.5] [--rounds 3]

Old and new alternate for `rounds` rounds of `seconds` each; each path's best round is shown (on a
shared machine the other processes only ever slow a round down).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from oracles import (
    old_act_2d,
    old_cube_rotate,
    old_rot90,
    old_rotate_feature_maps,
    old_smoke_act,
)

from symrep.actions.cubic import cube_rotate
from symrep.actions.planar import act_2d, rot90
from symrep.actions.vector_field import rotate_feature_maps
from symrep.experiments.smoke.action import act as smoke_act
from symrep.groups import get_group


def cases():
    """(experiment, action, sample shape, batch, number of elements or an int element, new, old)."""
    p = functools.partial
    rows = [
        ("MedMNIST3D", "cube_rotate left", (1, 28, 28, 28), 32, 24, cube_rotate, old_cube_rotate),
        (
            "MedMNIST3D",
            "cube_rotate released",
            (1, 28, 28, 28),
            32,
            24,
            p(cube_rotate, convention="released"),
            p(old_cube_rotate, convention="released"),
        ),
    ]
    for name in ("C4", "C16"):
        g = get_group(name)
        rows.append(("N&F", f"act_2d {name}", (1, 28, 28), 8000, g.order, p(act_2d, g), p(old_act_2d, g)))
    for name, element in (("C4", 1), ("C16", 1), ("C16", 4)):
        g = get_group(name)
        rows.append(
            (
                "G&K orbit",
                f"act_2d {name} g={element}",
                (1, 28, 28),
                3200,
                -element,
                p(act_2d, g),
                p(old_act_2d, g),
            )
        )
    for action in ("paper", "staggered", "released"):
        rows.append(
            (
                "SMOKE",
                f"act {action}",
                (20, 64, 64),
                16,
                4,
                p(smoke_act, action=action),
                p(old_smoke_act, action=action),
            )
        )
    rows.append(
        (
            "SMOKE",
            "rotate_feature_maps",
            (92, 64, 64),
            16,
            4,
            p(rotate_feature_maps, y_up=True),
            p(old_rotate_feature_maps, y_up=True),
        )
    )
    rows.append(("latent CIFAR", "rot90", (3, 32, 32), 64, 4, rot90, old_rot90))
    for name in ("D1", "C4", "D4"):
        g = get_group(name)
        rows.append(("DDMNIST", f"act_2d {name}", (1, 28, 28), 512, g.order, p(act_2d, g), p(old_act_2d, g)))
    return rows


def calls_per_second(fn, seconds: float, device: torch.device) -> float:
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    fn()  # warm-up: tables, allocator, kernels
    sync()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        if calls % 4 == 0 or device.type != "cuda":
            sync()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument("--seconds", type=float, default=0.5, help="time per round, path and action")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best is shown")
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, float32")
    header = (
        f"{'experiment':<13}{'action':<24}{'batch x sample':<22}{'elements':>9}{'old/s':>10}{'new/s':>10}"
    )
    print(header + f"{'new/old':>9}  bit-identical")
    for experiment, action, shape, batch, elements, new, old in cases():
        x = torch.randn(batch, *shape, generator=gen).to(device)
        if elements < 0:  # one int element for the whole batch
            g, label = -elements, "one"
        else:
            g = torch.randint(elements, (batch,), generator=gen).to(device)
            label = f"{len(g.unique())}/{elements}"
        same = torch.equal(new(g, x), old(g, x))
        rate_old = rate_new = 0.0
        for _ in range(args.rounds):
            rate_old = max(rate_old, calls_per_second(functools.partial(old, g, x), args.seconds, device))
            rate_new = max(rate_new, calls_per_second(functools.partial(new, g, x), args.seconds, device))
        dims = f"{batch}x" + "x".join(map(str, shape))
        print(
            f"{experiment:<13}{action:<24}{dims:<22}{label:>9}{rate_old:>10.1f}{rate_new:>10.1f}"
            f"{rate_new / rate_old:>8.2f}x  {'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    main()
