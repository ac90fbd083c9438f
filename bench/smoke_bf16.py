"""SMOKE bf16 accuracy check: the same training job in float32 and under bf16 autocast, on generated data.

    python bench/smoke_bf16.py DATA_DIR OUT_DIR [--configfile config/quick.yaml] [--model cnn]
                               [--seeds 0 1] [--device auto] [--threads 2]

DATA_DIR holds the rotation set as `smoke_generate` writes it (raw_data_{k}_{j}.npy). Each (precision,
seed) is one full training job (`symrep.experiments.smoke.run.train_run`) with the configuration's
settings, the two differing only in `training.bf16`; evaluation is float32 in both. Prints the Future and
Domain RMSE of every run under each protocol's test, and per precision the mean and std over seeds.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
import yaml

from symrep.config import deep_merge
from symrep.experiments.smoke.plan import SmokePlan, file_name
from symrep.experiments.smoke.run import train_run
from symrep.runs import RunJob
from symrep.runtime import resolve_device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--configfile", default="config/quick.yaml")
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    config = deep_merge(
        yaml.safe_load(Path("config/config.yaml").read_text()),
        yaml.safe_load(Path(args.configfile).read_text()),
    )
    plan = SmokePlan(config)
    protocol = plan.protocols()[0]
    wildcards = SimpleNamespace(variant=plan.variant_of(protocol, args.model), model=args.model)
    settings = plan.train_settings(wildcards)
    inputs = {
        "train": [str(args.data / file_name(k, j)) for k, j in plan.section["tasks"]["train"]],
        "domain": [str(args.data / file_name(k, j)) for k, j in plan.section["tasks"]["test_domain"]],
    }
    results = {}
    for precision in ("fp32", "bf16"):
        bf16 = [device.type] if precision == "bf16" else []
        run = {**settings, "training": {**settings["training"], "bf16": bf16}}
        for seed in args.seeds:
            out = args.out / f"{precision}_seed{seed}"
            outputs = {k: str(out / f"{k}.out") for k in ("metrics", "history", "weights")}
            metrics = train_run(RunJob(run, seed, inputs, outputs, str(out / "ckpt"), str(device)))
            for p, test in metrics["evaluations"].items():
                results.setdefault((p, precision), []).append((test["future_rmse"], test["domain_rmse"]))
                print(
                    f"{args.model} {precision} seed {seed}, {p} test ({test['test_steps']} steps, "
                    f"{test['tested_weights']} weights): Future {test['future_rmse']:.4f}, "
                    f"Domain {test['domain_rmse']:.4f} ({metrics['epoch_seconds']:.0f} s training)",
                    flush=True,
                )
    for (p, precision), values in results.items():
        v = np.array(values)
        print(
            f"{args.model} {precision}, {p} test, seeds {args.seeds}: Future {v[:, 0].mean():.4f} "
            f"({v[:, 0].std():.4f}), Domain {v[:, 1].mean():.4f} ({v[:, 1].std():.4f}) (mean (std, ddof 0))"
        )


if __name__ == "__main__":
    main()
