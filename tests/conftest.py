"""Shared test helpers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MIRROR = (REPO / ".." / "shared" / "data" / "mirror").resolve()
TEST_DIR = REPO / ".test"
TEST_STATE = ("results", "resources", "logs", "benchmarks", "checkpoints", "mirror", ".snakemake")


def snakemake(*args: str, cwd: Path = REPO, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the pipeline's Snakemake with this interpreter; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


needs_shared_mirror = pytest.mark.skipif(
    not (SHARED_MIRROR / "mnist").is_dir(), reason=f"no data mirror at {SHARED_MIRROR}"
)


@pytest.fixture(scope="session")
def test_dag_run() -> subprocess.CompletedProcess:
    """The .test DAG run once per session, locally on 2 cores, from a clean state (generated fixtures,
    fetch, train, render). The workflow tests check it; the SLURM test compares its own run with it."""
    for name in TEST_STATE:
        shutil.rmtree(TEST_DIR / name, ignore_errors=True)
    result = snakemake("--cores", "2", "--directory", str(TEST_DIR), "--show-failed-logs", timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return result
