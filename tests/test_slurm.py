"""profiles/slurm proven on a real one-node SLURM cluster (tools/slurm_cluster.sh).

The `slurm` tests start the cluster (root only; skipped otherwise, failed instead when
SYMREP_REQUIRE_SLURM=1) and run the pipeline's .test DAG, and the failure cases of tests/slurm_toy,
through `--profile profiles/slurm`.
The other tests need no cluster.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TEST_DIR
from slurm_support import (
    ACCOUNT_ENV,
    CLUSTER_SCRIPT,
    LOCAL_ENV,
    LOCAL_PARTITION,
    PARTITION_ENV,
    REPO,
    REQUIRE_ENV,
    SLURM_PROFILE,
    ClusterBroken,
    cancel_test_jobs,
    cluster_script,
    copy_workflow,
    differing_outputs,
    queued_test_jobs,
    run_snakemake,
    scontrol_job,
    squeue,
    start_cluster,
)

TOY = REPO / "tests" / "slurm_toy"


@pytest.fixture
def slurm_cluster():
    """A running local cluster: started (installed) if needed, ~0.1 s when already up."""
    reason = start_cluster()
    if reason is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but the local SLURM cluster cannot run: {reason}")
        pytest.skip(f"local SLURM cluster unavailable: {reason}")
    cancel_test_jobs()
    yield
    cancel_test_jobs()


def _weights_equal(a: Path, b: Path) -> bool:
    import torch

    wa, wb = (torch.load(p, map_location="cpu", weights_only=True)["model"] for p in (a, b))
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.mark.slurm
def test_test_dag_runs_through_slurm_profile(slurm_cluster, test_dag_run, tmp_path):
    """The pipeline's .test DAG, every experiment, through profiles/slurm: every non-local job
    is a SLURM job, the GPU (training) rules get their GPU, and the results equal the local run's."""
    workdir = tmp_path / "slurm"
    shutil.copytree(TEST_DIR / "config", workdir / "config")
    run = run_snakemake(workdir, snakefile=REPO / "Snakefile", env=LOCAL_ENV, timeout_s=1200)
    assert run.returncode == 0, run.tail()

    # Every job that is not a local rule went through sbatch, and completed in the partition.
    jobs = run.slurm_jobs()
    rules = run.rules_run()
    assert sorted(rules) == sorted(r for r, ids in jobs.items() for _ in ids)
    gpu_rules = run.gpu_rules()
    assert {"latent_train", "ddmnist_train", "smoke_train", "ensembles_train"} <= gpu_rules
    assert "smoke_generate" in jobs and "smoke_generate" not in gpu_rules  # a CPU rule, run on SLURM
    for rule, ids in jobs.items():
        for slurm_id in ids:
            fields = scontrol_job(slurm_id)
            assert fields["JobState"] == "COMPLETED", (rule, fields)
            assert fields["Partition"] == LOCAL_PARTITION
            assert run.slurm_log(slurm_id).is_file(), f"no SLURM log for {rule} job {slurm_id}"
            # GPU rules, and only they, asked SLURM for a GPU; every task of such a job saw it.
            assert (fields.get("TresPerJob") == "gres:gpu:1") == (rule in gpu_rules), (rule, fields)
            if rule in gpu_rules:
                seen = run.cuda_devices_seen(slurm_id)
                assert seen and all(seen), f"{rule} job {slurm_id} saw CUDA_VISIBLE_DEVICES={seen}"

    # Same results as the local run: every table, and every trained model's weights, bit for bit
    # (wall-clock columns in histories and metrics differ by nature and are not compared).
    local = TEST_DIR
    tables = sorted(p.relative_to(local) for p in (local / "results" / "tables").glob("*.csv"))
    weights = sorted(p.relative_to(local) for p in (local / "results").rglob("*.pt"))
    assert tables and weights
    assert differing_outputs(workdir, local, map(str, tables)) == []
    assert [
        w for w in weights if not (workdir / w).is_file() or not _weights_equal(workdir / w, local / w)
    ] == []


@pytest.mark.slurm
def test_failing_job_makes_snakemake_fail(slurm_cluster, tmp_path):
    workdir = copy_workflow(TOY, tmp_path / "fail")
    run = run_snakemake(
        workdir,
        ["results/fail.txt"],
        env={**LOCAL_ENV, ACCOUNT_ENV: "symrep_ci"},
        timeout_s=120,
    )
    assert run.returncode != 0
    assert "SLURM status is: 'FAILED'" in run.output, run.tail()
    # Seen at the first status check (15 s); Snakemake's shutdown then waits out the
    # plugin's next polling interval (25 s).
    assert run.seconds < 90
    (slurm_id,) = run.slurm_jobs()["fail"]
    # The account from the environment reached sbatch (-A); no accounting DB checks it.
    assert scontrol_job(slurm_id)["Account"] == "symrep_ci"
    assert "failing on purpose" in (workdir / "logs/fail.log").read_text()


def _stop_when_running(daemon: str, *, step: bool = False):
    """A `during` hook that stops `daemon` once a test job runs (with `step`: once the
    srun step that runs the rule has started inside it)."""
    state = {"stopped_at": None}

    def hook(elapsed: float) -> None:
        if state["stopped_at"] is not None:
            return
        running = [i for i, s in queued_test_jobs().items() if s == "RUNNING"]
        if step:
            running = [i for i in running if f"{i}.0" in squeue("--steps", f"--jobs={i}")]
        if running:
            proc = cluster_script("stop", daemon, timeout=60)
            assert proc.returncode == 0, proc.stderr
            state["stopped_at"] = elapsed

    return hook, state


@pytest.mark.slurm
@pytest.mark.parametrize("daemon", ["slurmd", "slurmctld"])
def test_daemon_stopped_mid_run_fails_clearly(slurm_cluster, tmp_path, daemon):
    """The harness notices a dead daemon within seconds and fails with a clear message.
    Left alone, Snakemake hangs when slurmctld stops: the plugin falls back to sacct
    (scontrol cannot report MinJobAge), every query fails, and it drops the jobs it
    could not query without reporting them."""
    workdir = copy_workflow(TOY, tmp_path / daemon)
    hook, state = _stop_when_running(daemon)
    try:
        with pytest.raises(ClusterBroken, match=rf"{daemon} +NOT running") as info:
            run_snakemake(workdir, ["results/slow.txt"], env=LOCAL_ENV, timeout_s=120, during=hook)
        assert state["stopped_at"] is not None
        assert info.value.run.seconds - state["stopped_at"] < 15
        assert "tools/slurm_cluster.sh start" in str(info.value)
    finally:
        assert start_cluster() is None
        cancel_test_jobs()


@pytest.mark.slurm
def test_dead_slurmd_fails_the_job_as_node_fail(slurm_cluster, tmp_path):
    """Without the harness watching, a dead slurmd still ends the run. Once the rule runs
    (srun step started), the job outlives slurmd until slurmctld, after SlurmdTimeout (30 s
    here, 300 s by default), sets the node DOWN and the job NODE_FAIL (not requeued:
    JobRequeue=0); the plugin reports that at its next poll. (If slurmd dies before the
    step starts, srun cannot launch it and the job simply FAILs.) The plugin's polls back
    off, so the test polls from 5 s on, and the bound is wide."""
    workdir = copy_workflow(TOY, tmp_path / "node_fail")
    hook, state = _stop_when_running("slurmd", step=True)
    try:
        run = run_snakemake(
            workdir,
            ["results/slow.txt"],
            env=LOCAL_ENV,
            args=["--slurm-init-seconds-before-status-checks", "5"] + ["--config", "slow_seconds=900"],
            timeout_s=300,
            watch_cluster=False,
            during=hook,
        )
        assert state["stopped_at"] is not None
        assert run.returncode != 0
        assert "SLURM status is: 'NODE_FAIL'" in run.output, run.tail()
    finally:
        assert start_cluster() is None
        cancel_test_jobs()


# --- no cluster needed -------------------------------------------------------------------


def _dry_run_resources(tmp_path: Path, env: dict[str, str | None]) -> list[str]:
    workdir = copy_workflow(TOY, tmp_path / "dry")
    run = run_snakemake(workdir, args=["-n"], env=env, timeout_s=120, watch_cluster=False)
    assert run.returncode == 0, run.tail()
    return re.findall(r"^\s+resources: (.*)$", run.output, re.MULTILINE)


@pytest.mark.parametrize(
    ("env", "expected", "absent"),
    [
        (
            {PARTITION_ENV: None, ACCOUNT_ENV: None},
            [],
            ["slurm_partition", "slurm_account"],
        ),
        (
            {PARTITION_ENV: "", ACCOUNT_ENV: ""},
            [],
            ["slurm_partition", "slurm_account"],
        ),
        # `all` must stay a string, not become Python's builtin all().
        (
            {PARTITION_ENV: "all", ACCOUNT_ENV: "12345"},
            ["slurm_partition=all", "slurm_account=12345"],
            [],
        ),
    ],
    ids=["unset", "empty", "set"],
)
def test_profile_takes_partition_and_account_from_environment(tmp_path, env, expected, absent):
    all_resources = [r.split(", ") for r in _dry_run_resources(tmp_path, env)]
    # gpu_square keeps its gpu=1; every job has a runtime and memory (rule or default).
    assert sum("gpu=1" in r for r in all_resources) == 1
    for resources in all_resources:
        assert set(expected) <= set(resources)
        assert not [r for r in resources if r.split("=")[0] in absent]
        assert any(r.startswith("runtime=") for r in resources)
        assert any(r.startswith("mem_mb=") for r in resources)


def test_profile_sets_no_gpu_cap_or_gres():
    text = (SLURM_PROFILE / "profile.yaml").read_text()
    active = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any(re.match(r"\s*(resources|slurm_extra|gres|gpu_model)\s*:", line) for line in active)


def test_cluster_script_refuses_non_root():
    cmd = ["bash", str(CLUSTER_SCRIPT), "start"]
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            pytest.skip("no runuser to run the script as an unprivileged user")
        cmd = ["runuser", "-u", "nobody", "--", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode != 0
    assert "must run as root" in proc.stderr


def test_cluster_script_is_shellcheck_clean():
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck not installed")
    proc = subprocess.run(["shellcheck", str(CLUSTER_SCRIPT)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
