"""The paper-scale budget: the rows of symrep.budget against the DAG, the CPU table the workflow reads, the
announcement of a paper-scale run on the CPU, bench/dag_budget.py on the CPU, the device guard of
bench/_steps.py, and tools/gpu_check.sh (without a GPU)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter

import pytest
import torch
import yaml
from conftest import REPO, TEST_DIR, snakemake

from symrep import budget
from symrep.budget import all_plans, announcement, estimate_hours, read_table, rows, targeted
from symrep.config import deep_merge

sys.path.insert(0, str(REPO / "bench"))
from _steps import guard_row, levers
from dag_budget import LEVERS

TABLE = REPO / "config" / "budget_cpu.yaml"
LINE = "symrep: paper scale on the CPU"


def config_of(*files) -> dict:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for file in files:
        config = deep_merge(config, yaml.safe_load(file.read_text()) if hasattr(file, "read_text") else file)
    return config


def paper_rows():
    return rows(all_plans(config_of()))


def first_rows(all_rows):
    out = {}
    for row in all_rows:
        out.setdefault(row.timing, row)
    return out


def output(result):
    return result.stdout + result.stderr


def job_counts(text: str) -> dict[str, int]:
    """The job table of `snakemake -n --quiet rules`: rule -> count."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", text, re.M) if m[1] != "total"}


# --- the rows and the table ----------------------------------------------------------------------------


def test_budget_table_times_every_paper_scale_training_rule():
    table = read_table(TABLE)
    assert table["measured"]["device"] == "cpu" and table["measured"]["threads"] == 1
    assert set(table["timings"]) == {row.timing for row in paper_rows()}, (
        "config/budget_cpu.yaml is stale: bench/dag_budget.py --device cpu --write config/budget_cpu.yaml"
    )
    for key, timing in table["timings"].items():
        assert timing["step_s"] > 0 and timing["val_sample_s"] > 0, key


def test_split_sizes_are_the_published_ones():
    from medmnist import INFO

    for flag in ("nodulemnist3d", "synapsemnist3d", "organmnist3d"):
        assert budget.SPLIT_SIZES[flag] == INFO[flag]["n_samples"]


def test_rows_follow_the_configuration():
    quick = rows(all_plans(config_of(REPO / "config" / "quick.yaml")))
    assert {r.experiment for r in quick} == set(budget.EXPERIMENTS) - {"medmnist3d"}  # off at quick scale
    mnist = next(r for r in quick if r.name == "released/mnist_d3")
    assert (mnist.epochs, mnist.steps, mnist.val_samples) == (14, 20000 // 64 + 1, 2000)
    assert {r.name for r in quick if r.experiment == "smoke"} == {f"{v}/{m}" for v, m in _SMOKE_QUICK}
    smoke = {r.name: r for r in paper_rows() if r.experiment == "smoke"}
    assert smoke["common/cnn"].epochs == 105 and smoke["common/cnn"].cap == 1000
    assert smoke["common/cnn"].steps == 250 and smoke["released/ours"].settings["action"] == "released"
    nf = next(r for r in paper_rows() if r.name == "nordenfors_flinth/common/C16/cnn")
    assert (nf.jobs, nf.work, nf.steps, nf.val_samples) == (4, 4.0, 1875, 10000)
    trivial = next(r for r in paper_rows() if r.name == "mnist/trivial")
    assert (trivial.jobs, trivial.epochs, trivial.steps, trivial.val_samples) == (3, 500, 1, 20)
    assert trivial.timing == "inpainting_train/trivial" and trivial.extra["fit"] == 80


_SMOKE_QUICK = [("common", "cnn"), ("described", "cnn_aug"), ("common", "mlp"), ("described", "ours")]


def training_rules() -> set[str]:
    """Every training rule of the workflow (`rule <experiment>_train:` in workflow/*.smk)."""
    text = "".join(path.read_text() for path in (REPO / "workflow").glob("*.smk"))
    return set(re.findall(r"^rule (\w+_train):", text, re.M))


def test_every_training_rule_is_in_the_budget():
    """Adding an experiment's training rule is one entry in symrep.budget.ROWS and one in
    bench/_steps.py's BUILDERS; this names whichever is missing."""
    from _steps import BUILDERS

    experiments = {rule.removesuffix("_train") for rule in training_rules()}
    plans = {cls.name.split(".")[0] for cls in budget.plan_classes()}
    assert experiments <= plans, f"no plan class found for {sorted(experiments - plans)}"
    assert experiments <= set(budget.EXPERIMENTS), (
        f"add a row function to symrep.budget.ROWS for {sorted(experiments - set(budget.EXPERIMENTS))}"
    )
    assert experiments <= set(BUILDERS), (
        f"add a builder to bench/_steps.py BUILDERS for {sorted(experiments - set(BUILDERS))}"
    )
    assert {row.rule for row in paper_rows()} == training_rules()


# --- the announcement ----------------------------------------------------------------------------------


def test_paper_scale_dry_run_announces_the_cpu_estimate_and_counts_every_training_job():
    result = snakemake("-n", "--cores", "1", "--quiet", "rules")
    assert result.returncode == 0, output(result)[-3000:]
    counts = job_counts(result.stdout)
    expected = Counter()
    for row in paper_rows():
        expected[row.rule] += row.jobs
    assert {rule: counts[rule] for rule in expected} == dict(expected)
    assert {rule for rule in counts if rule.endswith("_train")} == set(expected)
    announced = [line for line in output(result).splitlines() if line.startswith(LINE)]
    if budget.gpu_visible():
        assert not announced
        return
    assert len(announced) == 1, output(result)[:2000]
    hours, missing = estimate_hours(read_table(TABLE), paper_rows())
    assert not missing
    assert f"about {hours:,.0f} CPU-hours" in announced[0] and "config/quick.yaml" in announced[0]


def test_no_announcement_on_a_cluster():
    """Other scales and device: cuda are decided by `announcement` (the next test); a cluster executor
    only in a dry run."""
    result = snakemake("-n", "--quiet", "rules", "--profile", "profiles/slurm")
    assert result.returncode == 0, output(result)[-3000:]
    assert LINE not in output(result)


def test_announcement_names_the_reason_and_survives_a_missing_table(tmp_path, monkeypatch):
    monkeypatch.setattr(budget, "gpu_visible", lambda: False)
    plans = all_plans(config_of())
    assert "(no GPU found)" in announcement(config_of(), plans, TABLE)
    assert "(device: cpu)" in announcement(config_of({"device": "cpu"}), plans, TABLE)
    assert announcement(config_of({"device": "cuda"}), plans, TABLE) is None
    assert announcement(config_of({"scale": "quick"}), plans, TABLE) is None
    missing = announcement(config_of(), plans, tmp_path / "none.yaml")
    assert "no estimate" in missing and "config/quick.yaml" in missing
    partial = read_table(TABLE)
    partial["timings"].pop(next(iter(partial["timings"])))
    (tmp_path / "partial.yaml").write_text(yaml.safe_dump(partial))
    assert "1 rules not in the table" in announcement(config_of(), plans, tmp_path / "partial.yaml")
    unlisted = {k: v for k, v in budget.ROWS.items() if k != "inpainting"}
    monkeypatch.setattr(budget, "ROWS", unlisted)  # a plan with no entry yet: left out, and said so
    assert "not counted: inpainting" in announcement(config_of(), plans, TABLE)
    monkeypatch.setattr(budget, "gpu_visible", lambda: True)
    assert announcement(config_of(), plans, TABLE) is None
    assert "(device: cpu)" in announcement(config_of({"device": "cpu"}), plans, TABLE)


def test_announcement_counts_only_the_experiments_named_as_targets(monkeypatch):
    monkeypatch.setattr(budget, "gpu_visible", lambda: False)
    config = config_of()
    plans = all_plans(config)
    for targets in ([], ["all"], ["pendulum", "results/tables/table4.csv"]):
        assert targeted(plans, targets) == (plans, "the whole DAG")
    chosen, scope = targeted(plans, ["pendulum", "ensembles"])
    assert {p.name for p in chosen} == {"pendulum", "ensembles.nordenfors_flinth", "ensembles.gerken_kessel"}
    assert scope == "ensembles, pendulum"
    pendulum = [p for p in plans if p.name == "pendulum"]
    hours, _ = estimate_hours(read_table(TABLE), rows(pendulum))
    line = announcement(config, pendulum, TABLE, targeted(plans, ["pendulum"])[1])
    assert 10 < hours < 100 and f"about {hours:.0f} CPU-hours of training for pendulum " in line
    assert f"{estimate_hours(read_table(TABLE), rows(plans))[0]:,.0f} CPU-hours" not in line


def test_gpu_visible_agrees_with_torch(monkeypatch):
    assert budget.gpu_visible() == torch.cuda.is_available()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert not budget.gpu_visible()


# --- bench/dag_budget.py and bench/_steps.py -----------------------------------------------------------


def test_dag_budget_prints_the_table_on_the_cpu(tmp_path):
    """Every experiment and rule of the .test configuration (smaller MedMNIST3D and DDMNIST batches), both
    paths, the device guard, and the written table the workflow reads."""
    small = tmp_path / "small.yaml"
    small.write_text("experiments: {medmnist3d: {batch_size: 4}, ddmnist: {batch_size: 16}}\n")
    written, summary = tmp_path / "budget.yaml", tmp_path / "budget.json"
    command = [sys.executable, str(REPO / "bench" / "dag_budget.py"), "--device", "cpu", "--steps", "1"]
    command += ["--warmup", "1", "--guard", "--check", "--write", str(written), "--json", str(summary)]
    command += ["--configfile", str(TEST_DIR / "config" / "config.yaml"), str(small)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, output(result)[-4000:]
    out = result.stdout
    header = "| rule | jobs | epochs | steps/epoch | val/epoch | ms/step today | ms/step new | CPU-h today |"
    assert header in out and "| today/new | finite |" in out
    test_rows = rows(all_plans(config_of(TEST_DIR / "config" / "config.yaml", small)))
    for row in test_rows:
        assert re.search(rf"^\| {row.rule} {re.escape(row.name)} \|.*\| yes \|$", out, re.M), row.name
    for experiment in budget.EXPERIMENTS:
        assert re.search(rf"^\| {experiment} \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+x \|$", out, re.M), (
            experiment
        )
    assert "| **total** |" in out
    for letter, name, status, bench in LEVERS:
        assert f"| {letter}: {name} | {status} | {bench} |" in out
    assert re.search(
        r"^today vs new \(the levers in the code undone together: A, B, F\): [\d.]+ → [\d.]+ CPU-h, [\d.]+x$",
        out,
        re.M,
    )
    keys = len({row.timing for row in test_rows})
    assert f"device guard (meta): {keys} ok, 0 mixed, 0 not checked" in out and "result: PASS" in out
    table = read_table(written)
    hours, missing = estimate_hours(table, test_rows)
    assert hours > 0 and not missing and set(table["timings"]) == {r.timing for r in test_rows}
    assert '"result": "PASS"' in summary.read_text()


def test_every_paper_scale_training_step_keeps_to_one_device():
    results = {key: guard_row(row) for key, row in first_rows(paper_rows()).items()}
    assert all(result == "ok" for result in results.values()), results


def test_the_guard_finds_a_tensor_left_on_the_cpu(monkeypatch):
    """The bug d556547 fixed: the identity of the algebra penalty on the CPU, the generators on the GPU."""
    from symrep.experiments.latent import task

    def relation_residuals(group, generators):
        eye = torch.eye(generators[0].shape[-1])
        return torch.stack([((g @ eye - eye) ** 2).mean() for g in generators])

    monkeypatch.setattr(task, "relation_residuals", relation_residuals)
    row = first_rows(paper_rows())["latent_train/released/tmnist_z2"]
    assert guard_row(row).startswith("MIXED DEVICES: matmul mixes tensors on ['cpu', 'meta']")


def test_the_guard_lets_cpu_indices_through_as_cuda_does():
    from device_guard import MixedDevicesError, one_device

    x = torch.zeros(4, 3, device="meta")
    with one_device():
        x[torch.tensor([0, 2])]  # CUDA copies a CPU index over
        x[torch.tensor([1])] = torch.ones(1, 3, device="meta")
        with pytest.raises(MixedDevicesError):
            x + torch.ones(4, 3)


def test_todays_path_patches_the_old_code_in_and_out():
    from symrep.experiments.medmnist3d import data
    from symrep.experiments.paired_classification import PairedClassificationTask

    new, loop, calls = data.cube_rotate, PairedClassificationTask.train_epoch, []
    benchmark = torch.backends.cudnn.benchmark
    with levers("today", calls):
        assert data.cube_rotate is not new and PairedClassificationTask.train_epoch is not loop
        assert not torch.backends.cudnn.benchmark
        data.cube_rotate(torch.tensor([0, 5]), torch.zeros(2, 1, 4, 4, 4))
    assert data.cube_rotate is new and calls == ["symrep.experiments.medmnist3d.data:cube_rotate"]
    assert PairedClassificationTask.train_epoch is loop and torch.backends.cudnn.benchmark == benchmark
    with levers("today", undo=("B",)):
        assert data.cube_rotate is new and PairedClassificationTask.train_epoch is not loop
    with levers("new"):
        assert data.cube_rotate is new and torch.backends.cudnn.benchmark


# --- tools/gpu_check.sh --------------------------------------------------------------------------------

SCRIPT = REPO / "tools" / "gpu_check.sh"


def run_script(*args):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_gpu_check_script_parses_and_refuses_what_it_cannot_do():
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
    assert run_script("--help").returncode == 0 and "GPU check" in run_script("--help").stdout
    assert run_script("--frobnicate").returncode == 2
    if not torch.cuda.is_available():
        refused = run_script()
        assert refused.returncode == 2 and "no CUDA device" in refused.stderr


# --- bench/budget_vs_runs.py ----------------------------------------------------------------------------


def test_budget_vs_runs_puts_recorded_cpu_beside_the_estimate(tmp_path):
    """Rows with benchmark files are listed with the mean recorded CPU time and its ratio to the estimate;
    rows without are left out; a directory without any is an error."""
    row = next(r for r in paper_rows() if r.timing == "pendulum_train/released/node/mlp")
    timing = read_table(TABLE)["timings"][row.timing]
    estimate = row.hours(timing["step_s"], timing["val_sample_s"]) * 3600 / row.jobs
    (tmp_path / "pendulum").mkdir()
    for seed, cpu in ((0, 0.5 * estimate), (1, 2.5 * estimate)):
        tsv = tmp_path / "pendulum" / f"released_node_mlp_seed{seed}.tsv"
        tsv.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{cpu + 5:.2f}\t0:00:01\t100.0\t{cpu:.2f}\n")
    command = [sys.executable, str(REPO / "bench" / "budget_vs_runs.py"), str(tmp_path)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, output(result)
    listed = [line for line in result.stdout.splitlines() if line.startswith("| pendulum_train")]
    assert listed == [
        f"| pendulum_train released/node/mlp | 2 | {estimate:,.0f} | {1.5 * estimate:,.0f} "
        f"({0.5 * estimate:,.0f}–{2.5 * estimate:,.0f}) | {1.5 * estimate + 5:,.0f} | 1.50 |"
    ]
    assert "(1.50x)" in result.stdout
    empty = subprocess.run(command[:2] + [str(tmp_path / "none")], cwd=REPO, capture_output=True, text=True)
    assert empty.returncode == 1 and "no benchmark file" in empty.stderr
