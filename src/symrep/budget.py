"""What the paper-scale training costs: every training rule's jobs with their step counts, from the plans.

Torch-free (the workflow imports it at parse time). `rows(plans)` lists, per training rule and distinct run
settings, how many jobs run, for how many epochs, with how many training steps and validation samples per
epoch; `bench/dag_budget.py` times one step of each row's timing key on a device and multiplies. The CPU
timings it writes (`config/budget_cpu.yaml`) give the estimate the workflow announces when a paper-scale run
would train on the CPU (`announcement`).
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import yaml

from symrep.config import deep_merge, validate_config

#: published split sizes of the datasets the training rules read (medmnist.INFO for MedMNIST3D)
SPLIT_SIZES = {
    "mnist": {"train": 60_000, "test": 10_000},
    "fashion_mnist": {"train": 60_000, "test": 10_000},
    "cifar10": {"train": 50_000, "test": 10_000},
    "nodulemnist3d": {"train": 1158, "val": 165, "test": 310},
    "synapsemnist3d": {"train": 1230, "val": 177, "test": 352},
    "organmnist3d": {"train": 971, "val": 161, "test": 610},
}
DDMNIST_CLASSES = 100  # two-digit numbers 00..99


@dataclass(frozen=True)
class Row:
    """The jobs of one training rule that share their settings (all seeds, or all blocks of one run)."""

    experiment: str
    rule: str
    name: str  # the jobs below the rule, e.g. "released/mnist_d3"
    timing: str  # the timing key: rows with the same key are timed once
    jobs: int
    work: float  # jobs of the timed shape this row costs (an ensemble run: member blocks of members_per_job)
    epochs: int  # epochs counted: the cap, or SMOKE's expected plateau stop
    cap: int  # the epoch cap (max_epochs / epochs)
    steps: int  # training steps per epoch of one job
    val_samples: float  # validation samples per epoch of one job (an average where not every epoch validates)
    settings: dict = field(compare=False)  # one job's settings (the rule's `settings` param)
    extra: dict = field(compare=False)  # the other params its task needs

    def hours(self, step_s: float, val_sample_s: float) -> float:
        """Device-hours of the row's jobs at `step_s` seconds per training step and `val_sample_s` per
        validation sample."""
        return self.work * self.epochs * (self.steps * step_s + self.val_samples * val_sample_s) / 3600


def _steps(samples: int, batch: int) -> int:
    return math.ceil(samples / batch)


def _latent(plan) -> list[Row]:
    rows = []
    for run in plan.runs():
        for variant in plan.variants(run):
            s = plan.train_settings(SimpleNamespace(variant=variant, run=run))
            name = f"{variant}/{run}"
            rows.append(
                Row(
                    "latent",
                    "latent_train",
                    name,
                    f"latent_train/{name}",
                    len(plan.seeds),
                    len(plan.seeds),
                    s["max_epochs"],
                    s["max_epochs"],
                    _steps(s["train_samples"], s["batch_size"]),
                    s["val_samples"],
                    s,
                    {"run": run, "trace_every": plan.section["trace_every"]},
                )
            )
    return rows


def _variants(plan, combination: dict) -> list[str]:
    return list(dict.fromkeys(plan.variant_of(p, **combination) for p in plan.protocols()))


def _ddmnist(plan) -> list[Row]:
    sec, rows = plan.section, []
    for group in sec["groups"]:
        for model in sec["models"]:
            for variant in _variants(plan, {"group": group, "model": model}):
                s = plan.train_settings(SimpleNamespace(variant=variant, group=group, model=model))
                name = f"{variant}/{group}/{model}"
                rows.append(
                    Row(
                        "ddmnist",
                        "ddmnist_train",
                        name,
                        f"ddmnist_train/{name}",
                        len(plan.seeds),
                        len(plan.seeds),
                        s["max_epochs"],
                        s["max_epochs"],
                        _steps(sec["train_per_class"] * DDMNIST_CLASSES, s["batch_size"]),
                        sec["val_per_class"] * DDMNIST_CLASSES,
                        s,
                        {},
                    )
                )
    return rows


def _medmnist3d(plan) -> list[Row]:
    """One timing per (variant, model): the datasets differ only in their sizes and class counts."""
    sec, rows = plan.section, []
    for dataset in sec["datasets"]:
        sizes = SPLIT_SIZES[dataset]
        for model in sec["models"]:
            for variant in _variants(plan, {"dataset": dataset, "model": model}):
                s = plan.train_settings(SimpleNamespace(variant=variant, dataset=dataset, model=model))
                rows.append(
                    Row(
                        "medmnist3d",
                        "medmnist3d_train",
                        f"{variant}/{dataset}/{model}",
                        f"medmnist3d_train/{variant}/{model}",
                        len(plan.seeds),
                        len(plan.seeds),
                        s["max_epochs"],
                        s["max_epochs"],
                        _steps(sizes["train"], s["batch_size"]),
                        sizes["val"],
                        s,
                        {"dataset": dataset},
                    )
                )
    return rows


def _smoke(plan) -> list[Row]:
    """One row per (variant, model): the CNN and the MLP train alike under both protocols (`common`), the
    augmented models per protocol. Epochs: the earliest plateau stop plus one window (min_epochs +
    plateau_window), not the cap of max_epochs, which a plateau stop reaches only if validation keeps
    improving for the whole run."""
    sec, rows = plan.section, []
    sims = len(sec["tasks"]["train"])
    for model in sec["models"]:
        for variant in _variants(plan, {"model": model}):
            s = plan.train_settings(SimpleNamespace(variant=variant, model=model))
            win, tr = s["windows"], s["training"]
            name = f"{variant}/{model}"
            rows.append(
                Row(
                    "smoke",
                    "smoke_train",
                    name,
                    f"smoke_train/{name}",
                    len(plan.seeds),
                    len(plan.seeds),
                    min(tr["max_epochs"], tr["min_epochs"] + tr["plateau_window"]),
                    tr["max_epochs"],
                    _steps(sims * len(range(*win["train"])), tr["batch_size"]),
                    sims * len(range(*win["valid"])),
                    s,
                    {"resolution": sec["generator"]["resolution"]},
                )
            )
    return rows


def _ensembles(plan) -> list[Row]:
    """One row per training run (variant, group, architecture) of the protocols run (a run the protocols
    share, or two architectures that train the same network, once): its member blocks are its jobs; the
    timed shape is a full block of members_per_job members, and a run costs members / members_per_job of
    those."""
    sec, rows = plan.section, []
    sizes = SPLIT_SIZES[sec["dataset"]]
    train = min(sec["train_samples"] or sizes["train"], sizes["train"])
    val = min(sec["eval_samples"] or sizes["test"], sizes["test"])
    runs = dict.fromkeys(
        (*plan.training_run(protocol, group, architecture), group)
        for protocol in plan.protocols()
        for group, architecture in plan.runs()
    )
    for variant, architecture, group in runs:
        wildcards = SimpleNamespace(variant=variant, group=group, architecture=architecture, block="0")
        s = plan.train_settings(wildcards)
        name = f"{plan.sub}/{variant}/{group}/{architecture}"
        rows.append(
            Row(
                "ensembles",
                "ensembles_train",
                name,
                f"ensembles_train/{name}",
                len(plan.blocks()),
                sec["members"] / sec["members_per_job"],
                sec["epochs"],
                sec["epochs"],
                _steps(train, sec["batch_size"]),
                val,
                s,
                {"members_per_job": sec["members_per_job"]},
            )
        )
    return rows


def _inpainting(plan) -> list[Row]:
    """One row per (dataset, grouping), timed once per grouping (the datasets differ only in the mask and
    the normalisation): full-batch training, one step per epoch on the fit split, every epoch validated
    (no early stop: the best validation epoch is selected)."""
    sec, rows = plan.section, []
    val = round(sec["train_images"] * sec["val_fraction"])
    for dataset in sec["datasets"]:
        for grouping in sec["groupings"]:
            s = plan.train_settings(SimpleNamespace(dataset=dataset, grouping=grouping))
            rows.append(
                Row(
                    "inpainting",
                    "inpainting_train",
                    f"{dataset}/{grouping}",
                    f"inpainting_train/{grouping}",
                    len(plan.seeds),
                    len(plan.seeds),
                    s["epochs"],
                    s["epochs"],
                    1,
                    val,
                    s,
                    {"fit": sec["train_images"] - val, "mask_size": sec["per_dataset"][dataset]["mask_size"]},
                )
            )
    return rows


def _pendulum(plan) -> list[Row]:
    """One row per (variant, dynamics, model). The validation MSE is computed at the first epoch, every
    `val_every` epochs and at the last (in between the last one is repeated): its samples per epoch are the
    average."""
    sec, rows = plan.section, []
    for dynamics in sec["dynamics"]:
        for model in sec["models"]:
            for variant in _variants(plan, {"dynamics": dynamics, "model": model}):
                wildcards = SimpleNamespace(variant=variant, dynamics=dynamics, model=model)
                s = plan.train_settings(wildcards)
                epochs, every = s["epochs"], s["val_every"]
                validated = {0, epochs - 1} | {e for e in range(epochs) if (e + 1) % every == 0}
                name = f"{variant}/{dynamics}/{model}"
                rows.append(
                    Row(
                        "pendulum",
                        "pendulum_train",
                        name,
                        f"pendulum_train/{name}",
                        len(plan.seeds),
                        len(plan.seeds),
                        epochs,
                        epochs,
                        _steps(sec["train"], s["batch_size"]),
                        sec["val"] * len(validated) / epochs,
                        s,
                        {"data": plan.dataset_settings(wildcards)},
                    )
                )
    return rows


#: plan name -> the rows of its training rule, in the workflow's order of experiments. A new experiment's
#: training rule (`<name>_train`) is one entry here and one builder in bench/_steps.py (BUILDERS): the
#: function gives its jobs, epochs, steps per epoch and validation samples from the plan (torch-free), the
#: builder its task at those shapes. tests/test_budget.py names any training rule of the workflow that lacks
#: either; until then the rule is left out of the budget (and the announcement says so).
ROWS: dict[str, Callable] = {
    "latent": _latent,
    "ddmnist": _ddmnist,
    "medmnist3d": _medmnist3d,
    "smoke": _smoke,
    "ensembles.nordenfors_flinth": _ensembles,
    "ensembles.gerken_kessel": _ensembles,
    "inpainting": _inpainting,
    "pendulum": _pendulum,
}
#: the experiments, in the order of ROWS (a sub-experiment counts under its experiment)
EXPERIMENTS = tuple(dict.fromkeys(name.split(".")[0] for name in ROWS))


def rows(plans: Iterable) -> list[Row]:
    """Every training rule's rows of the enabled plans that have an entry in ROWS, in the plans' order."""
    return [row for plan in plans if plan.enabled and plan.name in ROWS for row in ROWS[plan.name](plan)]


def unbudgeted(plans: Iterable) -> list[str]:
    """The enabled plans without an entry in ROWS (their training is in no estimate)."""
    return [plan.name for plan in plans if plan.enabled and plan.name not in ROWS]


def plan_classes() -> list[type]:
    """Every experiment's plan class (`symrep.experiments.<name>.plan`, classes with their own `name`), those
    of ROWS first in its order: the plans the workflow registers."""
    import pkgutil

    import symrep.experiments
    from symrep.experiments.plan import ExperimentPlan

    found = {}
    for info in pkgutil.iter_modules(symrep.experiments.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"symrep.experiments.{info.name}.plan")
        except ModuleNotFoundError:
            continue
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, ExperimentPlan) and "name" in vars(obj):
                found[obj.name] = obj
    order = list(ROWS)
    return sorted(
        found.values(), key=lambda cls: (order.index(cls.name) if cls.name in order else len(order), cls.name)
    )


def layered_config(repo: str | Path, files: list[str]) -> dict:
    """`repo`'s config/config.yaml with each file layered over it, validated (as the Snakefile builds it)."""
    repo = Path(repo)
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    for file in files:
        config = deep_merge(config, yaml.safe_load(Path(file).read_text()))
    validate_config(config, repo / "config" / "schemas" / "config.schema.yaml")
    return config


def all_plans(config: dict) -> list:
    """Every experiment's plan built from a (layered, validated) configuration, as the workflow registers them."""
    return [cls(config) for cls in plan_classes()]


# --- the CPU budget table and the announcement -------------------------------------------------------


def read_table(path: str | Path) -> dict:
    """A budget table written by `bench/dag_budget.py --write`: {"measured": {...}, "timings": {key: {...}}}."""
    return yaml.safe_load(Path(path).read_text())


def estimate_hours(table: dict, plan_rows: Iterable[Row]) -> tuple[float, list[str]]:
    """Hours of the rows at the table's current-code timings, and the timing keys the table lacks."""
    hours, missing = 0.0, []
    for row in plan_rows:
        t = table["timings"].get(row.timing)
        if t is None:
            missing.append(row.timing)
            continue
        hours += row.hours(t["step_s"], t["val_sample_s"])
    return hours, sorted(set(missing))


def gpu_visible() -> bool:
    """Whether torch would find a GPU (`device: auto` → CUDA), judged without importing torch: a torch build
    with CUDA or ROCm libraries, devices not hidden by CUDA_VISIBLE_DEVICES, and an NVIDIA or AMD device
    node."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return False
    lib = Path(spec.origin).parent / "lib"
    if not any(lib.glob("libtorch_cuda*")) and not any(lib.glob("libtorch_hip*")):
        return False
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1", "NoDevFiles"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return (
        (gpus.is_dir() and any(gpus.iterdir()))
        or any(Path("/dev").glob("nvidia[0-9]*"))
        or Path("/dev/kfd").exists()
    )


WHOLE_DAG = "the whole DAG"


def targeted(plans: Iterable, targets: Iterable[str]) -> tuple[list, str]:
    """(the plans a run asks for, what they are called): those of the experiments named as its targets
    (`snakemake pendulum inpainting`), or every plan when any target is something else (none, `all`, a
    file)."""
    plans, targets = list(plans), set(targets)
    experiments = {plan.name.split(".")[0] for plan in plans}
    if not targets or not targets <= experiments:
        return plans, WHOLE_DAG
    return [plan for plan in plans if plan.name.split(".")[0] in targets], ", ".join(sorted(targets))


def announcement(config: dict, plans: Iterable, table_path: str | Path, scope: str = WHOLE_DAG) -> str | None:
    """The one line a paper-scale run prints when its jobs would train on the CPU; None otherwise. `scope`
    names what the plans cover (`targeted`)."""
    if config["scale"] != "paper" or config["device"] == "cuda":
        return None
    if config["device"] == "auto" and gpu_visible():
        return None
    why = "no GPU found" if config["device"] == "auto" else "device: cpu"
    plans = list(plans)
    advice = "on one CPU machine run `--configfile config/quick.yaml` (under an hour on 2 cores)"
    try:
        table = read_table(table_path)
        hours, missing = estimate_hours(table, rows(plans))
        cpu = table["measured"]["cpu"]
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return f"symrep: paper scale on the CPU ({why}): no estimate ({Path(table_path).name} unreadable); {advice}"
    gap = f"; {len(missing)} rules not in the table" if missing else ""
    if left_out := unbudgeted(plans):
        gap += f"; not counted: {', '.join(left_out)}"
    decimals = 0 if hours >= 10 else 1
    return (
        f"symrep: paper scale on the CPU ({why}): about {hours:,.{decimals}f} CPU-hours of training "
        f"for {scope} ({Path(table_path).name}: one thread per job on {cpu}{gap}); {advice}"
    )
