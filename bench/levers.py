"""Each lever in the code, old and new side by side in one run: ms per training step with only that lever
undone (old) and as the code stands (new), host syncs per step (lever B), and whether both paths train to
the same parameters.

    .venv/bin/python bench/levers.py [--lever A B F] [--device auto|cpu|cuda] [--steps 20] [--warmup 2]
        [--check-steps 3] [--only TEXT ...] [--configfile FILE ...]

Levers (docs/performance.md, Levers): A, group actions as one gather (old: the per-element actions of
tests/oracles.py); B, no host sync per training step in DDMNIST, MedMNIST3D and SMOKE (old: the per-step loops
of tests/oracles.py); F, cudnn.benchmark when a run is not deterministic (old: off). Rows: every paper-scale
training rule's timing key (bench/dag_budget.py's), or those containing one of `--only`; a row that calls none
of a lever's old code is skipped for that lever ("same code"; F on a CPU: cuDNN is not used, every row runs
the same code).

Columns: ms/step old | new | old/new; for B, copies from the CPU and reads of device values per step, counted
on the meta device (bench/_steps.py host_syncs); "parameters": after --check-steps steps from the same
initialisation and seed on this device, `torch.equal` on every parameter and buffer ("equal"), or the largest
absolute difference. On a GPU the check runs with torch.use_deterministic_algorithms(True, warn_only=True);
cuDNN's algorithm choice (F) and atomics in some backward kernels may still round differently there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _steps import LEVERS_IN_CODE, host_syncs, time_row, trained_state
from dag_budget import REPO, commit, device_name

from symrep.budget import Row, all_plans, layered_config, rows
from symrep.runtime import resolve_device

NAMES = {
    "A": "group actions as one gather",
    "B": "no host sync per training step",
    "F": "cudnn.benchmark when not deterministic",
}


def compare(old: dict[str, torch.Tensor], new: dict[str, torch.Tensor]) -> str:
    if old.keys() != new.keys():
        return "different keys"
    if all(torch.equal(old[k], new[k]) for k in old):
        return "equal"
    diff = max(
        float((old[k].double() - new[k].double()).abs().max()) for k in old if old[k].is_floating_point()
    )
    return f"max |diff| {diff:.2e}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lever", nargs="+", default=list(LEVERS_IN_CODE), choices=list(LEVERS_IN_CODE))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per row and path")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--check-steps", type=int, default=3, help="steps of the parameter check")
    parser.add_argument("--members", type=int, default=2, help="ensemble members timed per job")
    parser.add_argument("--only", nargs="*", default=[], help="rows whose timing key contains one of these")
    parser.add_argument("--configfile", nargs="*", default=[])
    args = parser.parse_args()
    torch.set_num_threads(1)
    device = resolve_device(args.device)
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    keys: dict[str, Row] = {}
    for row in rows(all_plans(layered_config(REPO, args.configfile))):
        if not args.only or any(text in row.timing for text in args.only):
            keys.setdefault(row.timing, row)
    print(
        f"levers: {device_name(device)} ({device.type}), torch {torch.__version__}, 1 CPU thread, commit "
        f"{commit()}; {args.steps} timed steps after {args.warmup} warm-up, parameters after "
        f"{args.check_steps} steps; configuration config/config.yaml{''.join(' + ' + f for f in args.configfile)}"
    )
    print()
    print("| lever | rule | ms/step old | ms/step new | old/new | syncs/step old → new | parameters |")
    print("|---|---|---:|---:|---:|---|---|")
    failed, timed_new = False, {}
    for lever in args.lever:
        shown = 0
        for key, row in keys.items():
            undo = (lever,)
            if key not in timed_new:
                timed_new[key] = time_row(
                    row, device, steps=args.steps, warmup=args.warmup, members=args.members
                )
            new = timed_new[key]
            old = time_row(
                row,
                device,
                steps=args.steps,
                warmup=args.warmup,
                path="today",
                members=args.members,
                same_as=new,
                undo=undo,
            )
            if old.note:
                continue
            syncs = "–"
            if lever == "B":
                (c_old, r_old), _ = host_syncs(row, "today", undo=undo)
                (c_new, r_new), _ = host_syncs(row, "new", undo=undo)
                syncs = f"{c_old:g} copies, {r_old:g} reads → {c_new:g}, {r_new:g}"
            deterministic = torch.are_deterministic_algorithms_enabled()
            if device.type == "cuda":
                torch.use_deterministic_algorithms(True, warn_only=True)
            try:
                states = [
                    trained_state(
                        row, device, steps=args.check_steps, path=p, undo=undo, members=args.members
                    )
                    for p in ("today", "new")
                ]
            finally:
                torch.use_deterministic_algorithms(deterministic)
            same = compare(*states)
            failed |= device.type == "cpu" and same != "equal"
            print(
                f"| {lever}: {NAMES[lever]} | {row.rule} {row.name} | {old.step_s * 1e3:.2f} | "
                f"{new.step_s * 1e3:.2f} | {old.step_s / new.step_s:.2f}x | {syncs} | {same} |",
                flush=True,
            )
            shown += 1
        if not shown:
            print(
                f"| {lever}: {NAMES[lever]} | every row: the same code on this device | – | – | – | – | – |"
            )
    print(f"\nresult: {'FAIL (parameters differ on the CPU)' if failed else 'PASS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
