"""The CPU estimate beside the jobs that ran: per training row, config/budget_cpu.yaml's CPU-seconds per job
(the figure behind the workflow's announcement) and the CPU time Snakemake's benchmark files recorded.

    .venv/bin/python bench/budget_vs_runs.py BENCHMARKS_DIR [--configfile FILE ...] [--table FILE] [--only TEXT]

BENCHMARKS_DIR is a working directory's `benchmarks/` after a paper-scale run on the CPU; a row's files are
`<experiment>/<row name, '/' as '_'>_seed*.tsv` (the training rules' `benchmark:` paths). The configuration is
the run's (config/config.yaml with each --configfile over it). A benchmark file holds the last invocation of
its job only: a job resumed from its checkpoint counts the epochs of that invocation, not all of them.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

from symrep.budget import all_plans, layered_config, read_table, rows

REPO = Path(__file__).resolve().parents[1]


def recorded(files: list[Path], column: str) -> list[float]:
    """One value of `column` per benchmark file (its last line: Snakemake writes one per repeat)."""
    values = []
    for file in files:
        with file.open() as handle:
            lines = list(csv.DictReader(handle, delimiter="\t"))
        values.append(float(lines[-1][column]))
    return values


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("benchmarks", type=Path)
    parser.add_argument("--configfile", nargs="*", default=[])
    parser.add_argument("--table", default=str(REPO / "config" / "budget_cpu.yaml"))
    parser.add_argument("--only", default="", help="rows whose timing key contains this text")
    args = parser.parse_args()

    timings = read_table(args.table)["timings"]
    print(f"estimate: {args.table}; runs: {args.benchmarks}")
    print(
        "| row | jobs | estimate CPU-s/job | recorded CPU-s/job (min–max) | wall s/job | recorded/estimate |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    estimated_total = recorded_total = 0.0
    for row in rows(all_plans(layered_config(REPO, args.configfile))):
        if args.only not in row.timing or row.timing not in timings:
            continue
        pattern = f"{row.name.replace('/', '_')}_seed*.tsv"
        files = sorted((args.benchmarks / row.experiment).glob(pattern))
        if not files:
            continue
        t = timings[row.timing]
        estimate = row.hours(t["step_s"], t["val_sample_s"]) * 3600 / row.jobs
        cpu, wall = recorded(files, "cpu_time"), recorded(files, "s")
        mean = statistics.fmean(cpu)
        estimated_total += estimate * len(files)
        recorded_total += sum(cpu)
        print(
            f"| {row.rule} {row.name} | {len(files)} | {estimate:,.0f} | {mean:,.0f} ({min(cpu):,.0f}–{max(cpu):,.0f}) "
            f"| {statistics.fmean(wall):,.0f} | {mean / estimate:.2f} |"
        )
    if not recorded_total:
        print(f"no benchmark file of a budgeted row under {args.benchmarks}", file=sys.stderr)
        return 1
    print(
        f"\nthe jobs recorded: estimate {estimated_total / 3600:,.1f} CPU-h, recorded {recorded_total / 3600:,.1f}"
        f" CPU-h ({recorded_total / estimated_total:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
