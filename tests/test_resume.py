"""A training job killed mid-run by SIGKILL (Snakemake and all) resumes when the pipeline is rerun, and
ends with exactly the result of an uninterrupted run."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch
from conftest import REPO, TEST_DIR, snakemake

pytestmark = pytest.mark.workflow
RUN = "results/ddmnist/released/C4/cnn/seed0"
CHECKPOINT = "checkpoints/ddmnist/released_C4_cnn_seed0.ckpt"
LOG = "logs/ddmnist/train/released_C4_cnn_seed0.log"
# DDMNIST alone, large enough for a few seconds of training (about a second per epoch).
OVERRIDE = """\
experiments:
  latent: { enabled: false }
  smoke: { enabled: false }
  ensembles: { enabled: false }
  ddmnist: { groups: [C4], models: [cnn], train_per_class: 5, max_epochs: 4, patience: 4, batch_size: 16 }
"""


def workdir(path):
    shutil.copytree(TEST_DIR / "config", path / "config")
    (path / "resume.yaml").write_text(OVERRIDE)
    return path


def run_args(path):
    # The target first: --configfile takes every value that follows it.
    return [
        f"{RUN}/model.pt",
        "--cores",
        "1",
        "--directory",
        str(path),
        "--configfile",
        str(path / "resume.yaml"),
    ]


def kill_when_checkpointed(path, timeout=300):
    """Start the job; SIGKILL Snakemake and the job as soon as a checkpoint holds a finished epoch."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "snakemake", *run_args(path)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while not (path / CHECKPOINT).exists():
            assert proc.poll() is None, "the job finished before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def weights(path):
    return torch.load(path / RUN / "model.pt", map_location="cpu", weights_only=True)["model"]


def test_killed_training_job_resumes_with_the_uninterrupted_result(tmp_path):
    killed = workdir(tmp_path / "killed")
    kill_when_checkpointed(killed)
    assert not (killed / RUN / "model.pt").exists()
    assert snakemake("--unlock", *run_args(killed)).returncode == 0
    rerun = snakemake(*run_args(killed), timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = (killed / LOG).read_text()
    assert "resuming from" in log, log[-2000:]
    assert not (killed / CHECKPOINT).exists()  # removed once training finished

    uninterrupted = workdir(tmp_path / "uninterrupted")
    plain = snakemake(*run_args(uninterrupted), timeout=300)
    assert plain.returncode == 0, plain.stderr[-3000:]
    a, b = weights(killed), weights(uninterrupted)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    history = [pd.read_csv(p / RUN / "history.csv") for p in (killed, uninterrupted)]
    timing = [c for c in history[0].columns if "second" in c or "time" in c]
    pd.testing.assert_frame_equal(*(h.drop(columns=timing) for h in history))
    assert len(history[0]) == 4
