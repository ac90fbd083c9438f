"""The .test DAG through profiles/slurm on the local cluster with 1 and with 2 fake GPUs, side by side.

The training rules ask SLURM for a GPU, so on a node with one fake GPU they run one at a time, however
many CPUs the node has. For each GPU count the bench (re)starts tools/slurm_cluster.sh with
that many fake GPUs, runs Snakemake on the targets (default: the whole .test DAG) from a clean
copy of .test/config, and prints the wall time, the SLURM jobs and the most GPU jobs that ran at once
(from scontrol's start and end times). Needs root, like the SLURM tests.

    python bench/slurm_gpus.py [--gpus 1 2] [--targets pendulum inpainting] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from slurm_support import LOCAL_ENV, run_snakemake, scontrol_job, start_cluster  # noqa: E402


def most_at_once(intervals: list[tuple[datetime, datetime]]) -> int:
    """The largest number of intervals that overlap (an end at the instant of a start does not)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def measure(gpus: int, targets: list[str], timeout_s: float) -> dict:
    problem = start_cluster(gpus)
    if problem is not None:
        sys.exit(f"the local SLURM cluster cannot run: {problem}")
    with tempfile.TemporaryDirectory(prefix=f"slurm_gpus{gpus}_") as tmp:
        workdir = Path(tmp)
        shutil.copytree(REPO / ".test" / "config", workdir / "config")
        run = run_snakemake(
            workdir, targets, snakefile=REPO / "Snakefile", env=LOCAL_ENV, timeout_s=timeout_s
        )
        if run.returncode != 0:
            sys.exit(f"snakemake failed with {gpus} fake GPU(s):\n{run.tail()}")
        jobs = run.slurm_jobs()
        gpu_rules = run.gpu_rules()
        intervals = []
        for rule, ids in jobs.items():
            for slurm_id in ids if rule in gpu_rules else ():
                fields = scontrol_job(slurm_id)
                intervals.append(tuple(datetime.fromisoformat(fields[k]) for k in ("StartTime", "EndTime")))
    return {
        "seconds": run.seconds,
        "jobs": sum(map(len, jobs.values())),
        "gpu_jobs": len(intervals),
        "gpu_jobs_at_once": most_at_once(intervals),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--targets", nargs="*", default=[])
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    try:
        results = {gpus: measure(gpus, args.targets, args.timeout) for gpus in args.gpus}
    finally:
        start_cluster()  # back to the tests' configuration
    print(f"targets: {' '.join(args.targets) or 'the whole .test DAG'}")
    print("fake GPUs | wall s | SLURM jobs | GPU jobs | GPU jobs at once")
    for gpus, r in results.items():
        print(
            f"{gpus:9d} | {r['seconds']:6.0f} | {r['jobs']:10d} | {r['gpu_jobs']:8d} | {r['gpu_jobs_at_once']:d}"
        )


if __name__ == "__main__":
    main()
