"""The whole pipeline on the tiny .test configuration, and the checks around it (lint, format, dry runs)."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, TEST_DIR, snakemake

pytestmark = pytest.mark.workflow


def output(result):
    return result.stdout + result.stderr


def declared_outputs():
    summary = snakemake("--directory", str(TEST_DIR), "--summary", "--cores", "1")
    assert summary.returncode == 0, output(summary)
    lines = [line.split("\t") for line in summary.stdout.splitlines() if "\t" in line]
    return [TEST_DIR / row[0] for row in lines[1:]]


def finite_numbers(value):
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_numbers(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


def assert_sane(path):
    assert path.is_file() and path.stat().st_size > 0, f"{path} missing or empty"
    suffix = path.suffix
    if suffix == ".json":
        assert finite_numbers(json.loads(path.read_text())), f"{path} holds NaN or infinity"
    elif suffix == ".csv":
        assert len(pd.read_csv(path)) > 0, f"{path} has no rows"
    elif suffix == ".png":
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    elif suffix == ".pdf":
        assert path.read_bytes()[:5] == b"%PDF-", path
    elif suffix == ".tex":
        assert r"\begin{tabular}" in path.read_text(), path
    elif suffix == ".md":
        assert "Run at scale: **test**" in path.read_text(), path


def test_every_declared_output_exists_and_is_sane(test_dag_run):
    outputs = declared_outputs()
    assert any(p.name == "table9.md" for p in outputs)
    for path in outputs:
        assert_sane(path)


def test_second_run_has_nothing_to_do(test_dag_run):
    again = snakemake("--cores", "2", "--directory", str(TEST_DIR), "-n")
    assert again.returncode == 0 and "Nothing to be done" in output(again), output(again)


def test_report_builds(test_dag_run, tmp_path):
    result = snakemake("--directory", str(TEST_DIR), "--report", str(tmp_path / "report.zip"))
    assert result.returncode == 0, output(result)[-3000:]
    assert (tmp_path / "report.zip").stat().st_size > 0


def test_lint_is_clean():
    result = snakemake("--lint", "--directory", str(TEST_DIR))
    assert result.returncode == 0, output(result)


def test_snakefmt_is_clean():
    files = [str(REPO / "Snakefile"), *map(str, sorted((REPO / "workflow").glob("*.smk")))]
    snakefmt = Path(sys.executable).parent / "snakefmt"  # installed beside this interpreter
    result = subprocess.run([str(snakefmt), "--check", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_paper_scale_dag_dry_runs():
    result = snakemake("-n", "--cores", "1", "--quiet", "rules")
    assert result.returncode == 0, output(result)[-3000:]
    assert "hyperparameter_table" in output(result)


def test_paper_scale_dag_dry_runs_through_the_slurm_profile():
    result = snakemake("-n", "--profile", "profiles/slurm")
    assert result.returncode == 0, output(result)[-3000:]


def bad_config(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = snakemake("--cores", "1", "--directory", str(TEST_DIR), "--configfile", str(path), "-n")
    assert result.returncode != 0
    assert "Job stats" not in output(result)  # no job was scheduled
    return output(result)


def test_unknown_key_is_one_clear_error(tmp_path):
    message = bad_config(tmp_path, "experiments:\n  ddmnist:\n    learning_rate: 0.1\n")
    assert "learning_rate" in message and "was unexpected" in message


def test_wrong_type_is_one_clear_error(tmp_path):
    message = bad_config(tmp_path, "seeds: five\n")
    assert "seeds" in message and "is not of type 'array'" in message


def test_unknown_dataset_is_one_clear_error(tmp_path):
    message = bad_config(tmp_path, "experiments:\n  ddmnist:\n    enabled: true\n    dataset: imagenet\n")
    assert "imagenet" in message


def test_unavailable_dataset_offline_is_one_clear_error(tmp_path):
    """Offline, a dataset in no mirror stops the run before any job, naming the file and where it looked."""
    shutil.copytree(TEST_DIR / "config", tmp_path / "config")
    (tmp_path / "offline.yaml").write_text(
        "data:\n  fixtures: null\n  mirrors: [nowhere]\nexperiments:\n  ddmnist:\n    enabled: true\n"
    )
    result = snakemake(
        "--cores", "1", "--directory", str(tmp_path), "--configfile", str(tmp_path / "offline.yaml"), "-n"
    )
    assert result.returncode != 0 and "Job stats" not in output(result)
    assert "mnist/train-images-idx3-ubyte.gz" in output(result) and "nowhere/mnist" in output(result)
    assert "download is false" in output(result)
