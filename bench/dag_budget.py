"""Device-hours of every paper-scale training rule on this device, today's path against the code as it stands.

    .venv/bin/python bench/dag_budget.py [--device auto|cpu|cuda] [--steps 20] [--warmup 2] [--threads 1]
        [--members N] [--configfile FILE ...] [--only TEXT] [--paths new today] [--guard] [--check]
        [--write config/budget_cpu.yaml]

For each training rule's jobs (`symrep.budget.rows`: latent_train per run and variant, ddmnist_train per
variant × group × model, medmnist3d_train per variant × dataset × model, smoke_train per variant × model,
ensembles_train per sub-experiment, variant, group and architecture, inpainting_train per dataset × grouping;
a new rule is one entry in symrep.budget.ROWS and one in bench/_steps.py's BUILDERS) it times a warm-up and `--steps` steps of the
experiment's own training task at the paper's shapes, and one validation (bench/_steps.py), then multiplies by
the configuration's step counts: jobs × epochs × (steps per epoch × s/step + validation samples × s/sample).
Epochs are the caps (max_epochs; the ensembles' fixed epochs), except SMOKE's: min_epochs + plateau_window,
its earliest plateau stop plus one window (its 1,000-epoch cap is printed beside it). Not counted: job
start-up, checkpoints, the test evaluation after training, and rules that do not train (data, the ensembles'
evaluation, tables).

"today": the levers in the code undone (bench/_steps.py `levers`: A's per-element group actions and B's per-step
training loops patched back in from tests/oracles.py, cudnn.benchmark off); "new": the code as it stands. On a
CPU a row that calls none of the patched code runs the same code on both paths and is timed once. Each lever
alone, old and new side by side: bench/levers.py. On the CPU the hours are CPU-hours of 1 thread per job (the training
rules' `threads: 1`); on a GPU, GPU-hours of one job at a time.

--check exits 1 on any error, non-finite loss or (with --guard) tensors of two devices meeting in a step run
on the meta device. --write saves the timings (config/budget_cpu.yaml: the workflow's CPU estimate).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _steps import LEVERS_IN_CODE, Timing, guard_row, time_row

from symrep.budget import EXPERIMENTS, Row, all_plans, layered_config, rows
from symrep.plumbing import atomic_path
from symrep.runtime import resolve_device

REPO = Path(__file__).resolve().parents[1]
#: the levers of the GPU review (shared/notes/audit/performance.md §4): what the code has, how each is measured
LEVERS = (
    ("A", "group actions as one gather over precomputed tables", "in the code", "bench/levers.py --lever A"),
    ("B", "no host sync per training step", "in the code", "bench/levers.py --lever B"),
    (
        "C",
        "launch overhead of small steps (CUDA graphs, seeds stacked)",
        "not implemented: needs a GPU to measure",
        "–",
    ),
    ("D", "ensembles: one wide grouped-conv model per job", "not implemented: needs a GPU to measure", "–"),
    ("E", "k training jobs per GPU (profiles, MPS)", "configuration, not measured: needs a GPU", "–"),
    (
        "F",
        "convolution back-end",
        "cudnn.benchmark in the code; channels_last not implemented: needs a GPU to measure",
        "bench/levers.py --lever F",
    ),
    ("H", "drop per-epoch work that feeds no result", "not implemented: changes the recorded histories", "–"),
)


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        )
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else processor()


def measure(key_rows: dict[str, Row], args, device: torch.device) -> tuple[dict, dict, dict]:
    """Timings per path and key, errors per key, guard results per key; one progress line per key."""
    timings: dict[str, dict[str, Timing]] = {path: {} for path in args.paths}
    errors: dict[str, str] = {}
    guards: dict[str, str] = {}
    for key, row in key_rows.items():
        start = time.perf_counter()
        if args.guard:
            guards[key] = guard_row(row)
        try:
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            new = time_row(row, device, steps=args.steps, warmup=args.warmup, members=args.members)
            timings.setdefault("new", {})[key] = new
            if "today" in args.paths:
                timings["today"][key] = time_row(
                    row,
                    device,
                    steps=args.steps,
                    warmup=args.warmup,
                    path="today",
                    members=args.members,
                    same_as=new,
                )
        except Exception as error:  # recorded, reported, and fatal under --check
            errors[key] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            traceback.print_exc(file=sys.stderr)
        finally:
            if device.type == "cuda":
                torch.cuda.synchronize(device)
                peak = torch.cuda.max_memory_allocated(device) / 2**30
                torch.cuda.empty_cache()
        line = [f"{key:<46}"]
        for path in args.paths:
            t = timings.get(path, {}).get(key)
            if t is not None:
                same = " (=new)" if t.note else ""
                line.append(f"{path} {t.step_s * 1e3:9.2f} ms/step{same}")
                if not t.finite:
                    line.append(f"{path} NON-FINITE LOSS")
        if key in errors:
            line.append(f"ERROR {errors[key]}")
        if key in guards:
            line.append(f"guard {guards[key]}")
        if device.type == "cuda":
            line.append(f"peak {peak:.1f} GiB")
        line.append(f"({time.perf_counter() - start:.0f} s)")
        print("  ".join(line), flush=True)
    return timings, errors, guards


def fmt_h(hours: float | None) -> str:
    if hours is None:
        return "–"
    return f"{hours:.3f}" if hours < 10 else f"{hours:,.1f}" if hours < 1000 else f"{hours:,.0f}"


def ratio(today: float | None, new: float | None) -> str:
    return f"{today / new:.2f}x" if today is not None and new else "–"


def hours(row: Row, timings: dict, path: str) -> float | None:
    t = timings.get(path, {}).get(row.timing)
    return None if t is None else row.hours(t.step_s, t.val_sample_s)


def report(all_rows: list[Row], timings: dict, errors: dict, unit: str) -> dict:
    """Print the tables (rows, experiments, levers); return the totals per path (None where a row failed)."""

    def ms(row, path):
        t = timings.get(path, {}).get(row.timing)
        return "–" if t is None else f"{t.step_s * 1e3:.1f}"

    print()
    print(
        f"| rule | jobs | epochs | steps/epoch | val/epoch | ms/step today | ms/step new | {unit} today | {unit} new | today/new | finite |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in all_rows:
        today, new = hours(row, timings, "today"), hours(row, timings, "new")
        t = [timings.get(p, {}).get(row.timing) for p in ("new", "today")]
        finite = "ERROR" if row.timing in errors else "yes" if all(x.finite for x in t if x) else "NO"
        print(
            f"| {row.rule} {row.name} | {row.jobs} | {row.epochs} | {row.steps} | {row.val_samples} | "
            f"{ms(row, 'today')} | {ms(row, 'new')} | {fmt_h(today)} | {fmt_h(new)} | {ratio(today, new)} | {finite} |"
        )
    print()
    print(f"| experiment | jobs | {unit} today | {unit} new | today/new |")
    print("|---|---:|---:|---:|---:|")
    totals = {"today": 0.0, "new": 0.0}
    complete = {"today": True, "new": True}
    for experiment in EXPERIMENTS:
        mine = [r for r in all_rows if r.experiment == experiment]
        if not mine:
            continue
        sums = {}
        for path in ("today", "new"):
            values = [hours(r, timings, path) for r in mine]
            sums[path] = None if None in values else sum(values)
            if sums[path] is None:
                complete[path] = False
            else:
                totals[path] += sums[path]
        print(
            f"| {experiment} | {sum(r.jobs for r in mine)} | {fmt_h(sums['today'])} | {fmt_h(sums['new'])} | "
            f"{ratio(sums['today'], sums['new'])} |"
        )
    total = {p: totals[p] if complete[p] else None for p in totals}
    print(
        f"| **total** | {sum(r.jobs for r in all_rows)} | **{fmt_h(total['today'])}** | **{fmt_h(total['new'])}** | "
        f"**{ratio(total['today'], total['new'])}** |"
    )
    print()
    print("| lever | status | old and new side by side |")
    print("|---|---|---|")
    for letter, name, status, bench in LEVERS:
        print(f"| {letter}: {name} | {status} | {bench} |")
    print(
        f"\ntoday vs new (the levers in the code undone together: {', '.join(LEVERS_IN_CODE)}): "
        f"{fmt_h(total['today'])} → {fmt_h(total['new'])} {unit}, {ratio(total['today'], total['new'])}"
    )
    smoke = [r for r in all_rows if r.experiment == "smoke" and r.cap != r.epochs]
    if smoke:
        values = [hours(r, timings, "new") for r in smoke]
        at_cap = None if None in values else sum(v * r.cap / r.epochs for v, r in zip(values, smoke))
        print(
            f"\nSMOKE counts {smoke[0].epochs} epochs (min_epochs + plateau_window); at its {smoke[0].cap}-epoch "
            f"cap it would be {fmt_h(at_cap)} {unit} (new)."
        )
    return total


def write_table(path: str, key_rows: dict, timings: dict, meta: dict) -> None:
    table = {
        "measured": meta,
        "timings": {
            key: {
                "step_s": float(f"{timings['new'][key].step_s:.4g}"),
                "val_sample_s": float(f"{timings['new'][key].val_sample_s:.4g}"),
                **(
                    {
                        "today_step_s": float(f"{timings['today'][key].step_s:.4g}"),
                        "today_val_sample_s": float(f"{timings['today'][key].val_sample_s:.4g}"),
                    }
                    if key in timings.get("today", {})
                    else {}
                ),
            }
            for key in key_rows
            if key in timings.get("new", {})
        },
    }
    header = (
        "# Seconds per training step and per validation sample of every paper-scale training rule's job on one\n"
        "# CPU thread (the rules' threads: 1), written by `bench/dag_budget.py --device cpu --write` (see\n"
        "# docs/performance.md). workflow/common.smk reads it for the line a paper-scale run on the CPU prints.\n"
        "# step_s / val_sample_s: the code as it stands; today_*: with the levers in the code undone (A, B, F).\n"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(header + yaml.safe_dump(table, sort_keys=False, width=110))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per rule and path")
    parser.add_argument("--warmup", type=int, default=2, help="untimed training steps before them")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (the rules use 1)")
    parser.add_argument(
        "--members",
        type=int,
        default=None,
        help="ensemble members timed per job, times scaled linearly (default: all on a GPU, 2 on the CPU)",
    )
    parser.add_argument(
        "--configfile", nargs="*", default=[], help="configurations layered over config/config.yaml"
    )
    parser.add_argument("--only", default="", help="time only timing keys containing this text")
    parser.add_argument("--paths", nargs="+", default=["new", "today"], choices=["new", "today"])
    parser.add_argument(
        "--guard", action="store_true", help="also run each step on meta under the device guard"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 on any error, non-finite loss or mixed devices"
    )
    parser.add_argument("--write", metavar="YAML", help="save the timings (e.g. config/budget_cpu.yaml)")
    parser.add_argument("--json", metavar="FILE", help="save the result, totals and step times as JSON")
    args = parser.parse_args()
    if "new" not in args.paths:
        args.paths = ["new", *args.paths]
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    if args.members is None and device.type != "cuda":
        args.members = 2
    config = layered_config(REPO, args.configfile)
    all_rows = rows(all_plans(config))
    key_rows: dict[str, Row] = {}  # each timing key with its first row
    for row in all_rows:
        if args.only in row.timing:
            key_rows.setdefault(row.timing, row)
    unit = "GPU-h" if device.type == "cuda" else "CPU-h"
    meta = {
        "device": device.type,
        "cpu" if device.type == "cpu" else "gpu": device_name(device),
        "threads": args.threads,
        "torch": str(torch.__version__),
        "commit": commit(),
        "date": datetime.date.today().isoformat(),
        "steps": args.steps,
        "warmup": args.warmup,
        "ensemble_members_timed": args.members or "all",
    }
    print(
        f"dag_budget: {device_name(device)} ({device.type}), torch {torch.__version__}, {args.threads} CPU "
        f"thread(s), commit {meta['commit']}, {meta['date']}; {args.steps} timed steps after {args.warmup} "
        f"warm-up per rule and path; ensemble members timed per job: {args.members or 'all'}; "
        f"configuration: config/config.yaml{''.join(' + ' + f for f in args.configfile)} (scale {config['scale']})",
        flush=True,
    )
    timings, errors, guards = measure(key_rows, args, device)
    shown = [r for r in all_rows if r.timing in key_rows]
    total = report(shown, timings, errors, unit)
    mixed = {k: v for k, v in guards.items() if v.startswith("MIXED")}
    unchecked = {k: v for k, v in guards.items() if v.startswith("not checked")}
    nonfinite = [k for p in timings for k, t in timings[p].items() if not t.finite]
    if args.guard:
        print(
            f"\ndevice guard (meta): {len(guards) - len(mixed) - len(unchecked)} ok, {len(mixed)} mixed, {len(unchecked)} not checked"
        )
    if args.write:
        write_table(args.write, key_rows, timings, meta)
        print(f"wrote {args.write}")
    failed = bool(errors or nonfinite or mixed)
    if args.json:
        result = {
            **meta,
            "result": "FAIL" if failed else "PASS",
            "unit": unit,
            "total": total,
            "errors": errors,
            "non_finite": sorted(set(nonfinite)),
            "mixed_devices": mixed,
            "ms_per_step": {p: {k: t.step_s * 1e3 for k, t in timings[p].items()} for p in timings},
        }
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\nresult: {'FAIL' if failed else 'PASS'} ({len(key_rows)} timing keys, {len(errors)} errors, "
        f"{len(set(nonfinite))} with non-finite losses{f', {len(mixed)} mixing devices' if args.guard else ''})"
    )
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
