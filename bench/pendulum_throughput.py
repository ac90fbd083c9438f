"""Double pendulum: seconds per training epoch and per test rollout of each (protocol, dynamics, model).

Builds each protocol's dataset (paper scale by default: 500 training chunks, 500 test systems over the
30-unit horizon), then times `--epochs` training epochs from initialisation and one test rollout of every
test system, on one thread. Step counts grow as the models learn, so the first epochs underestimate a
whole run's cost; the training jobs' benchmark files (benchmarks/pendulum/*.tsv) give the real totals.

    python bench/pendulum_throughput.py [--config config/config.yaml] [--epochs 5] [--threads 1]
                                        [--protocols released described]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import yaml

from symrep.experiments.pendulum.data import build_dataset
from symrep.experiments.pendulum.plan import PendulumPlan
from symrep.experiments.pendulum.run import make_model
from symrep.experiments.pendulum.task import DynamicsTask
from symrep.experiments.plan import PROTOCOLS
from symrep.models.common import count_parameters

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    plan = PendulumPlan(yaml.safe_load(Path(args.config).read_text()))
    for protocol in args.protocols:
        options = plan.options(protocol)
        start = time.perf_counter()
        data = build_dataset(plan.data_settings(options))
        drift = data["energy_drift"]
        print(f"{protocol}: dataset {time.perf_counter() - start:.1f} s, energy drift {drift:.1e}")
        print("dynamics model    params  s/epoch  cpu s/epoch  steps/epoch  test rollout s  test steps")
        for dynamics in plan.section["dynamics"]:
            for model in plan.section["models"]:
                time_run(plan.run_settings(options, dynamics, model), data, args.epochs)


def time_run(settings: dict, data: dict, epochs: int) -> None:
    """Print one run's seconds per epoch, solver steps per epoch and test rollout time."""
    torch.manual_seed(0)
    task = DynamicsTask(make_model(settings, data["train"][:, 0]), data, settings)
    rng = torch.Generator().manual_seed(0)
    task.model.train()
    wall, cpu = time.perf_counter(), time.process_time()
    steps = sum(task.train_epoch(e, rng)["solver_steps"] for e in range(epochs))
    wall, cpu = (time.perf_counter() - wall) / epochs, (time.process_time() - cpu) / epochs
    task.model.eval()
    stats, test = {}, time.perf_counter()
    with torch.no_grad():
        task.rollout(data["test_z0"], data["rollout_times"], stats)
    print(
        f"{settings['dynamics']:8} {settings['model']:8} {count_parameters(task.model):7d} {wall:8.2f} "
        f"{cpu:12.2f} {steps / epochs:12.1f} {time.perf_counter() - test:15.1f} {stats['steps']:11d}"
    )


if __name__ == "__main__":
    main()
