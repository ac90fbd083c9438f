"""Scalars N-ODE epochs: today's radial-basis layer and allocator setting vs the plain composition.

Before: exp(-γ(s - μ)²) computed for every scalar and centre and stored by autograd (6,000 features per
state for the released scalars, at every solver stage), under glibc's default allocator settings. Today:
the radial basis and first layer are one autograd function (Gaussians below float32's normal range are 0,
recomputed in the backward pass) and the training job calls `run.keep_freed_memory()`. For each protocol,
each variant trains the paper-scale Scalars N-ODE from the same initialisation in a fresh process on one
thread and prints seconds per epoch (wall, user and system CPU; one untimed epoch first), solver steps and
the training MSE after each epoch (equal at first, then apart by what float32 rounding differences grow
into over training).

    python bench/pendulum_radial.py [--config config/config.yaml] [--epochs 6] [--protocols released described]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

from symrep.experiments.pendulum import models
from symrep.experiments.pendulum.data import build_dataset
from symrep.experiments.pendulum.plan import PendulumPlan
from symrep.experiments.pendulum.run import keep_freed_memory, make_model
from symrep.experiments.pendulum.task import DynamicsTask
from symrep.experiments.plan import PROTOCOLS

REPO = Path(__file__).resolve().parents[1]
VARIANTS = ("plain", "today")


def plain_invariant_net(self, z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The composition before the fused layer: every Gaussian computed and stored by autograd."""
    s = models.scalars(models.vectors(z), g, self.features)
    features = torch.exp(-self.rbf.gamma * (s[..., None] - self.rbf.mu) ** 2).flatten(1)
    return self.net(features)


def measure(config: str, protocol: str, variant: str, epochs: int) -> dict:
    """One variant's per-epoch means over epochs 1..epochs and every epoch's training MSE."""
    torch.set_num_threads(1)
    if variant == "plain":
        models.Scalars.invariant_net = plain_invariant_net
    else:
        keep_freed_memory()
    plan = PendulumPlan(yaml.safe_load(Path(config).read_text()))
    options = plan.options(protocol)
    settings = plan.run_settings(options, "node", "scalars")
    data = build_dataset(plan.data_settings(options))
    torch.manual_seed(0)
    task = DynamicsTask(make_model(settings, data["train"][:, 0]), data, settings)
    rng, result = (
        torch.Generator().manual_seed(0),
        {"wall": 0.0, "user": 0.0, "sys": 0.0, "steps": 0, "mse": []},
    )
    for epoch in range(epochs + 1):
        wall, cpu = time.perf_counter(), os.times()
        record = task.train_epoch(epoch, rng)
        after = os.times()
        result["mse"].append(record["train_mse"])
        if epoch:  # epoch 0 is not timed
            result["wall"] += (time.perf_counter() - wall) / epochs
            result["user"] += (after.user - cpu.user) / epochs
            result["sys"] += (after.system - cpu.system) / epochs
            result["steps"] += record["solver_steps"] / epochs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # one measurement, as JSON
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.config, args.protocols[0], args.variant, args.epochs)))
        return
    for protocol in args.protocols:
        print(f"{protocol} Scalars N-ODE, {args.epochs} epochs after one untimed, one thread, a process each")
        print("variant  wall s/epoch  user s  sys s  steps/epoch  training MSE per epoch")
        for variant in VARIANTS:
            command = [sys.executable, __file__, "--config", args.config, "--epochs", str(args.epochs)]
            out = subprocess.run(
                [*command, "--protocols", protocol, "--variant", variant],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.splitlines()[-1])
            mse = " ".join(f"{m:.5g}" for m in r["mse"])
            print(f"{variant:8} {r['wall']:12.2f} {r['user']:7.2f} {r['sys']:6.2f} {r['steps']:12.1f}  {mse}")


if __name__ == "__main__":
    main()
