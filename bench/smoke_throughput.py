"""SMOKE throughput: PhiFlow generation time per simulation (batched vs one at a time) and training
windows/s per model (fp32 and bf16 autocast) at the paper's settings.

    python bench/smoke_throughput.py [--device auto] [--threads 2] [--steps 10] [--sims 36] [--batches 5]
                                     [--protocol described]

Prints figures only (timings on a shared machine are noisy: repeat and compare medians).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from symrep.config import deep_merge
from symrep.experiments.smoke.data import Windows
from symrep.experiments.smoke.plan import MODELS, rotation_set
from symrep.experiments.smoke.task import SmokeTask, rollout_rmse
from symrep.models.smoke import build
from symrep.runtime import resolve_device

CONFIG = "config/config.yaml"


def generation(steps: int, sims: int) -> None:
    from symrep.experiments.smoke.generate import GRID, layout, simulate

    centers, forces, radius = layout(rotation_set(sims), GRID)
    simulate(centers[:1], forces[:1], steps=2, resolution=GRID, radius=radius)  # warm-up
    start = time.perf_counter()
    simulate(centers, forces, steps=steps, resolution=GRID, radius=radius)
    batched = (time.perf_counter() - start) / steps / sims
    start = time.perf_counter()
    for i in range(min(sims, 4)):
        simulate(centers[i : i + 1], forces[i : i + 1], steps=steps, resolution=GRID, radius=radius)
    single = (time.perf_counter() - start) / steps / min(sims, 4)
    print(
        f"generation, 64x64, {steps} steps: {sims} simulations batched {batched * 1e3:.1f} ms per simulation-step "
        f"({batched * 310:.1f} s per 310-step simulation); one at a time {single * 1e3:.1f} ms "
        f"({single * 310:.1f} s per simulation); batching speed-up {single / batched:.1f}x"
    )


def training(cfg: dict, device: torch.device, batches: int, precisions: tuple[bool, ...]) -> None:
    """`cfg`: the smoke section with one protocol's options laid over it."""
    tr, test_steps = cfg["training"], cfg["test_steps"]
    data = torch.randn(4, 60, 2, 64, 64, device=device)
    win = Windows.grid(data, [0, 20, 1], input_frames=10, offset=2, target_frames=tr["train_steps"])
    test = Windows.grid(data, [0, 4, 1], input_frames=10, offset=2, target_frames=test_steps)
    for name, (arch, loss) in MODELS.items():
        for bf16 in precisions:
            model = build(arch, cfg["architectures"][arch], input_frames=10, resolution=64).to(device)
            task = SmokeTask(
                model,
                win,
                win,
                loss=loss,
                lam=cfg["hyperparameters"][name].get("lambda", 0.0),
                lr=1e-3,
                lr_decay=1.0,
                weight_decay=4e-4,
                batch_size=tr["batch_size"],
                train_steps=tr["train_steps"],
                valid_steps=tr["valid_steps"],
                bf16=bf16,
                action=cfg["action"],
                pairs=cfg["equivariance_pairs"],
            )
            rng = torch.Generator().manual_seed(0)
            turns = torch.randint(0, 4, (tr["batch_size"],), generator=rng).to(device)
            times = []
            for _i in range(batches + 1):  # the first batch warms up
                index = torch.randint(0, len(win), (tr["batch_size"],), generator=rng)
                start = time.perf_counter()
                x, y = win.batch(index, tr["train_steps"])
                with task.autocast():
                    pred, equi = task.losses(x, y, turns)
                task.optimizer.zero_grad()
                (pred + task.lam * equi).backward()
                task.optimizer.step()
                if device.type == "cuda":
                    torch.cuda.synchronize()
                times.append(time.perf_counter() - start)
            step = float(np.median(times[1:]))
            model.eval()
            start = time.perf_counter()
            rollout_rmse(model, test, test_steps, tr["batch_size"])
            test_rate = len(test) / (time.perf_counter() - start)
            print(
                f"train {name:8s} {'bf16' if bf16 else 'fp32'}: {tr['batch_size'] / step:7.1f} windows/s "
                f"({tr['train_steps']}-step loss, {step * 1e3:.0f} ms/batch); "
                f"test {test_steps}-step rollout {test_rate:.1f} windows/s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="simulated steps per generation timing")
    parser.add_argument("--sims", type=int, default=36, help="simulations in the batched generation timing")
    parser.add_argument("--batches", type=int, default=5, help="timed training batches per model")
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--protocol", default="described", choices=["released", "described"])
    parser.add_argument(
        "--bf16",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also time bf16 autocast (auto: on CUDA only; CPUs without AVX-512 BF16 emulate it slowly)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    print(f"device {device}, {args.threads} threads, torch {torch.__version__}")
    section = yaml.safe_load(Path(CONFIG).read_text())["experiments"]["smoke"]
    cfg = deep_merge(section, section["protocol_options"][args.protocol])
    if not args.skip_generation:
        generation(args.steps, args.sims)
    bf16 = args.bf16 == "yes" or (args.bf16 == "auto" and device.type == "cuda")
    training(cfg, device, args.batches, (False, True) if bf16 else (False,))


if __name__ == "__main__":
    main()
