"""Run Snakemake workflows through profiles/slurm on the local one-node SLURM cluster.

tools/slurm_cluster.sh starts the cluster. `run_snakemake` runs a workflow (the toy in
tests/slurm_toy, later the pipeline's .test DAG) and watches it: if a SLURM daemon dies or the
run outlives its time limit, it kills Snakemake and raises an AssertionError that says so,
because snakemake-executor-plugin-slurm can wait forever on jobs it lost track of.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLUSTER_SCRIPT = REPO / "tools" / "slurm_cluster.sh"
SLURM_PROFILE = REPO / "profiles" / "slurm"
LOCAL_PARTITION = os.environ.get("SYMREP_SLURM_LOCAL_PARTITION", "debug")
GPUS_ENV = "SYMREP_SLURM_LOCAL_GPUS"
# What a user of the local cluster sets for profiles/slurm: its partition, and no account at all.
ACCOUNT_ENV = "SYMREP_SLURM_ACCOUNT"
PARTITION_ENV = "SYMREP_SLURM_PARTITION"
LOCAL_ENV = {PARTITION_ENV: LOCAL_PARTITION, ACCOUNT_ENV: None}
# Test jobs are named <prefix>_<run uuid>, so they can be told apart from other users' jobs.
JOBNAME_PREFIX = "symrep_test"
# Set (e.g. by .ci/run) to make "cannot start SLURM" a failure instead of a skip.
REQUIRE_ENV = "SYMREP_REQUIRE_SLURM"

_SUBMITTED = re.compile(
    r"^Job (?P<jobid>\S+) has been submitted with SLURM jobid (?P<slurm_id>\d+)"
    r" \(log: (?P<log>.+)\)\.$",
    re.MULTILINE,
)
_RULE_HEADER = re.compile(r"^\s*rule (?P<rule>\w+):$", re.MULTILINE)
_JOB_HEADER = re.compile(r"^\s*(?P<kind>rule|localrule) (?P<rule>\w+):$")
_PROLOG = re.compile(
    r"^symrep-local-slurm: SLURM_JOB_ID=(?P<slurm_id>\d*) \S+ "
    r"CUDA_VISIBLE_DEVICES=(?P<cuda>\S*)$",
    re.MULTILINE,
)


class ClusterBroken(AssertionError):
    """A SLURM daemon stopped while Snakemake was running."""


class SnakemakeTimeout(AssertionError):
    """Snakemake did not finish within its time limit."""


def cluster_script(*args: str, timeout: float = 600, gpus: int | None = None) -> subprocess.CompletedProcess:
    env = None if gpus is None else {**os.environ, GPUS_ENV: str(gpus)}
    return subprocess.run(
        ["bash", str(CLUSTER_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def start_cluster(gpus: int | None = None) -> str | None:
    """Start (or confirm) the local cluster; return why it cannot run, or None. Its fake GPUs: `gpus`,
    else SYMREP_SLURM_LOCAL_GPUS, else one per CPU (every training rule asks for a GPU, and behind the
    script's default of one they would run one at a time: bench/slurm_gpus.py)."""
    if gpus is None and not os.environ.get(GPUS_ENV):  # a set variable reaches the script as it is
        gpus = os.cpu_count() or 1
    if os.geteuid() != 0:
        return "the local SLURM cluster needs root (it installs packages, starts daemons)"
    if not (shutil.which("slurmctld") or shutil.which("apt-get")):
        return "SLURM is not installed and there is no apt-get to install it"
    try:
        proc = cluster_script("start", gpus=gpus)
    except subprocess.TimeoutExpired:
        return "tools/slurm_cluster.sh start did not finish within 600 s"
    if proc.returncode != 0:
        return f"tools/slurm_cluster.sh start failed:\n{proc.stderr.strip()}"
    return None


def cluster_problem() -> str | None:
    """None while all daemons run and the node is usable, else the status report."""
    try:
        proc = cluster_script("status", timeout=20)
    except subprocess.TimeoutExpired:
        return "tools/slurm_cluster.sh status hung for 20 s"
    return None if proc.returncode == 0 else proc.stdout.strip()


def squeue(*args: str) -> str:
    proc = subprocess.run(
        ["squeue", "--noheader", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return proc.stdout if proc.returncode == 0 else f"(squeue failed: {proc.stderr.strip()})"


def queued_test_jobs(states: str = "all") -> dict[str, str]:
    """SLURM job id -> state of this module's jobs that squeue still lists."""
    jobs = {}
    for line in squeue(f"--states={states}", "--format=%i %j %T").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].startswith(JOBNAME_PREFIX + "_"):
            jobs[parts[0]] = parts[2]
    return jobs


def cancel_test_jobs() -> None:
    """Cancel queued or running jobs left by killed test runs (they would hold the node)."""
    ids = list(queued_test_jobs(states="PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED"))
    if ids:
        subprocess.run(["scancel", *ids], capture_output=True, timeout=60, check=False)


def scontrol_job(slurm_id: str) -> dict[str, str]:
    """`scontrol show job` fields (SLURM keeps finished jobs for MinJobAge seconds)."""
    out = subprocess.run(
        ["scontrol", "--oneliner", "show", "job", slurm_id],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    return dict(f.split("=", 1) for f in out.split() if "=" in f)


@dataclass
class SnakemakeRun:
    workdir: Path
    returncode: int
    output: str
    seconds: float

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.splitlines()[-lines:])

    def rules_run(self) -> list[str]:
        """Rules of the jobs Snakemake ran as jobs (not local rules, but the members of
        group jobs), in the order Snakemake printed them."""
        return _RULE_HEADER.findall(self.output)

    def gpu_rules(self) -> set[str]:
        """Rules whose jobs (not local rules) Snakemake printed with a gpu resource above 0."""
        rules, rule = set(), None
        for line in self.output.splitlines():
            if header := _JOB_HEADER.match(line):
                rule = header["rule"] if header["kind"] == "rule" else None
            elif rule and (gpu := re.search(r"^\s+resources: .*\bgpu=(\d+)", line)) and int(gpu[1]) > 0:
                rules.add(rule)
        return rules

    def slurm_jobs(self) -> dict[str, list[str]]:
        """Rule -> SLURM job ids of the jobs Snakemake submitted with sbatch. A group
        job is listed as group_<group>_<its rules>."""
        jobs: dict[str, list[str]] = {}
        for m in _SUBMITTED.finditer(self.output):
            # .snakemake/slurm_logs/rule_<rule>[/<wildcards>]/<id>.log
            part = next(p for p in Path(m["log"]).parts if p.startswith(("rule_", "group_")))
            rule = part.removeprefix("rule_")
            jobs.setdefault(rule, []).append(m["slurm_id"])
        return jobs

    def slurm_log(self, slurm_id: str) -> Path:
        """The SLURM log of a job (kept only with --slurm-keep-successful-logs)."""
        for m in _SUBMITTED.finditer(self.output):
            if m["slurm_id"] == slurm_id:
                return Path(m["log"])
        raise KeyError(f"snakemake did not submit SLURM job {slurm_id}")

    def cuda_devices_seen(self, slurm_id: str) -> list[str]:
        """CUDA_VISIBLE_DEVICES of each task of a job, as the cluster's TaskProlog wrote
        it into the job's SLURM log (the batch step, then the srun step running the rule).
        """
        return [m["cuda"] for m in _PROLOG.finditer(self.slurm_log(slurm_id).read_text())]


def run_snakemake(
    workdir: Path,
    targets: Iterable[str] = (),
    *,
    profile: Path | None = SLURM_PROFILE,
    snakefile: Path | None = None,
    args: Iterable[str] = (),
    env: Mapping[str, str | None] | None = None,
    timeout_s: float = 300,
    watch_cluster: bool = True,
    during: Callable[[float], None] | None = None,
) -> SnakemakeRun:
    """Run `python -m snakemake` in `workdir` for `targets` and wait for it.

    With a profile, SLURM job logs are kept and jobs get a recognisable name. `env` sets
    (value) or removes (None) environment variables. `during(elapsed_s)` is called about
    every second while Snakemake runs. Raises ClusterBroken (daemon down, if
    watch_cluster) or SnakemakeTimeout, after killing Snakemake and cancelling its jobs.
    """
    cmd = ["timeout", "-s", "KILL", str(int(timeout_s) + 30), sys.executable]
    cmd += ["-m", "snakemake"]
    if snakefile is not None:
        cmd += ["--snakefile", str(snakefile)]
    if profile is not None:
        cmd += ["--profile", str(profile), "--slurm-keep-successful-logs"]
        cmd += ["--slurm-jobname-prefix", JOBNAME_PREFIX]
    # Targets first: options such as --config take every value that follows them.
    cmd += [*targets, *args]
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    log_path = workdir / "snakemake_run.log"
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            start_new_session=True,
        )
    try:
        failure = _watch(proc, start, timeout_s, watch_cluster, during)
    except BaseException:  # a failing `during` hook, Ctrl-C: leave nothing running
        _kill_group(proc)
        raise
    seconds = time.monotonic() - start
    run = SnakemakeRun(workdir, proc.wait(), log_path.read_text(), seconds)
    if failure is not None:
        if profile is not None and cluster_problem() is None:
            cancel_test_jobs()
        failure.args = (f"{failure.args[0]}\n--- snakemake output (tail) ---\n{run.tail()}",)
        failure.run = run
        raise failure
    return run


def _watch(
    proc: subprocess.Popen,
    start: float,
    timeout_s: float,
    watch_cluster: bool,
    during: Callable[[float], None] | None,
) -> AssertionError | None:
    """Wait for proc; kill it and return the failure if the cluster breaks or time runs
    out."""
    last_check = 0.0
    while proc.poll() is None:
        time.sleep(1)
        elapsed = time.monotonic() - start
        if during is not None:
            during(elapsed)
        failure: AssertionError | None = None
        if watch_cluster and elapsed - last_check >= 2:
            last_check = elapsed
            problem = cluster_problem()
            if problem is not None:
                failure = ClusterBroken(
                    f"the local SLURM cluster broke {elapsed:.0f} s into the run:\n"
                    f"{problem}\nsnakemake was killed (left alone it can wait forever on "
                    "jobs it cannot see); restart the cluster with "
                    "tools/slurm_cluster.sh start"
                )
        if failure is None and elapsed > timeout_s:
            failure = SnakemakeTimeout(
                f"snakemake did not finish within {timeout_s:.0f} s and was killed.\n"
                "Test jobs still queued or running: "
                f"{queued_test_jobs('PENDING,RUNNING,COMPLETING') or 'none'}"
            )
        if failure is not None:
            _kill_group(proc)
            return failure
    return None


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def copy_workflow(src: Path, dest: Path) -> Path:
    """Copy a workflow folder without its results or Snakemake state."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".snakemake", "results", "logs"))
    return dest


def differing_outputs(a: Path, b: Path, relpaths: Iterable[str]) -> list[str]:
    """Relative paths whose files differ (or are missing) between folders a and b."""
    return [
        p
        for p in relpaths
        if not ((a / p).is_file() and (b / p).is_file()) or not filecmp.cmp(a / p, b / p, shallow=False)
    ]
