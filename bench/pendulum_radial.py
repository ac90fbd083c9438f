"""Scalars N-ODE: the radial basis + first layer as one autograd function (today) vs the plain composition.

The plain composition computes exp(-γ(s - μ)²) for every scalar and centre and lets autograd store it
(6,000 features per state for the released scalars, at every solver stage); today's layer zeroes the
Gaussians below float32's normal range and recomputes them in the backward pass. For each protocol this
trains the paper-scale Scalars N-ODE from the same initialisation with both, on one thread, and prints
seconds per epoch (wall, user and system CPU), solver steps and the training MSE after each epoch (equal
at first, then apart by what float32 rounding differences grow into over training: 0.2 % after 7 epochs).

    python bench/pendulum_radial.py [--config config/config.yaml] [--epochs 6] [--protocols released described]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch
import yaml

from symrep.experiments.pendulum import models
from symrep.experiments.pendulum.data import build_dataset
from symrep.experiments.pendulum.plan import PendulumPlan
from symrep.experiments.pendulum.run import make_model
from symrep.experiments.pendulum.task import DynamicsTask
from symrep.experiments.plan import PROTOCOLS

REPO = Path(__file__).resolve().parents[1]


def plain_invariant_net(self, z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The composition before the fused layer: every Gaussian computed and stored by autograd."""
    s = models.scalars(models.vectors(z), g, self.features)
    features = torch.exp(-self.rbf.gamma * (s[..., None] - self.rbf.mu) ** 2).flatten(1)
    return self.net(features)


def train(settings: dict, data: dict, epochs: int, plain: bool) -> tuple[list[float], list[float]]:
    """(per-epoch [wall, user, system] seconds summed over epochs 1.., solver steps), training MSEs."""
    fused = models.Scalars.invariant_net
    models.Scalars.invariant_net = plain_invariant_net if plain else fused
    try:
        torch.manual_seed(0)
        task = DynamicsTask(make_model(settings, data["train"][:, 0]), data, settings)
        rng, mses, totals = torch.Generator().manual_seed(0), [], [0.0, 0.0, 0.0, 0]
        for epoch in range(epochs + 1):  # epoch 0 warms the allocator up and is not timed
            wall, cpu = time.perf_counter(), os.times()
            result = task.train_epoch(epoch, rng)
            after = os.times()
            mses.append(result["train_mse"])
            if epoch:
                totals[0] += time.perf_counter() - wall
                totals[1] += after.user - cpu.user
                totals[2] += after.system - cpu.system
                totals[3] += result["solver_steps"]
        return [x / epochs for x in totals], mses
    finally:
        models.Scalars.invariant_net = fused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    plan = PendulumPlan(yaml.safe_load(Path(args.config).read_text()))
    for protocol in args.protocols:
        options = plan.options(protocol)
        settings = plan.run_settings(options, "node", "scalars")
        data = build_dataset(plan.data_settings(options))
        print(
            f"{protocol} Scalars N-ODE ({settings['features']} features), {args.epochs} epochs after one untimed"
        )
        print("layer        wall s/epoch  user s  sys s  steps/epoch  training MSE per epoch")
        for name, plain in (("plain", True), ("today", False)):
            (wall, user, system, steps), mses = train(settings, data, args.epochs, plain)
            mse = " ".join(f"{m:.5g}" for m in mses)
            print(f"{name:12} {wall:12.2f} {user:7.2f} {system:6.2f} {steps:12.1f}  {mse}")


if __name__ == "__main__":
    main()
