"""Double pendulum: how far the released code's ground truth is from this pipeline's, by the rollout error.

The released code integrates the true test rollouts with dopri5 at rtol 1e-4 (JAX's default atol
1.4e-8), in float32, one step size shared by each batch of systems; this pipeline integrates them in
float64 at `generator_rtol`/`generator_atol`. For each protocol's test systems this prints the rollout
error (`metrics.rollout_error`, the talk's metric) of the code's truth against the pipeline's: the floor
that the truth's accuracy alone puts under a measured error.

    python bench/pendulum_truth_gap.py [--config config/config.yaml] [--batch 500 100]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch
import yaml

from symrep.experiments.pendulum.data import build_dataset, output_times
from symrep.experiments.pendulum.metrics import rollout_error
from symrep.experiments.pendulum.ode import odeint
from symrep.experiments.pendulum.plan import PendulumPlan
from symrep.experiments.pendulum.system import SpringPendulum

REPO = Path(__file__).resolve().parents[1]
CODE_RTOL, CODE_ATOL = 1e-4, 1.4e-8  # BHamiltonianFlow's odeint(rtol=1e-4) with JAX's default atol


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--batch", type=int, nargs="+", default=[500, 100], help="systems sharing a step")
    args = parser.parse_args()
    torch.set_num_threads(1)
    plan = PendulumPlan(yaml.safe_load(Path(args.config).read_text()))
    print("protocol   batch  rollout error of the code's truth vs this pipeline's  max relative state error")
    for protocol in plan.protocols():
        settings = plan.data_settings(plan.options(protocol))
        data = build_dataset(settings)
        system = SpringPendulum.from_settings(settings["constants"], settings["hamiltonian"])
        times = output_times(settings["horizon"], settings["dt"]).float()
        exact = data["test_rollouts"]
        for batch in args.batch:
            with torch.no_grad():
                coarse = torch.cat(
                    [
                        odeint(system.vector_field, part, times, rtol=CODE_RTOL, atol=CODE_ATOL)
                        for part in data["test_z0"].split(batch)
                    ]
                )
            worst = float(((coarse - exact).norm(dim=-1) / exact.norm(dim=-1)).max())
            error = rollout_error(coarse, exact)
            print(f"{protocol:10} {batch:5d}  {error:.2e} (log10 {math.log10(error):.1f}){'':27}{worst:.1e}")


if __name__ == "__main__":
    main()
