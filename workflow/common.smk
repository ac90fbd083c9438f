# Configuration layering and validation, and helpers shared by every stage (no rules here).
import os
import sys
from pathlib import Path

import yaml

from symrep.budget import announcement, targeted
from symrep.codedeps import code_fingerprint
from symrep.config import deep_merge, validate_config
from symrep.data.availability import check_datasets
from symrep.data.catalog import ARTIFACTS, DATASETS
from symrep.data.fixtures import FIXTURE_FILES

REPO = Path(workflow.basedir)


def _layer_config():
    """Paper-scale defaults (the repository's config/config.yaml) under whatever Snakemake loaded."""
    defaults = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    layered = deep_merge(defaults, config)
    config.clear()
    config.update(layered)


_layer_config()
validate_config(config, REPO / "config" / "schemas" / "config.schema.yaml")

PLANS = {}  # experiment name -> its plan; each workflow/<experiment>.smk registers one
# the device and determinism: params of every training job besides its settings and code
RUN = dict(device=config["device"], deterministic=config["deterministic"])


def register(plan):
    """An experiment's plan (symrep.experiments.<name>.plan): its targets join `rule all` and the
    datasets it reads are checked before any job starts, when it is enabled."""
    PLANS[plan.name] = plan
    return plan


def repo_file(path):
    """A file of the repository (not of the working directory), as a path relative to the working directory."""
    return os.path.relpath(REPO / path)


def code(script):
    """Fingerprint of the symrep code `script` runs (symrep.codedeps). Every rule passes it as its `code`
    param: a change of code reruns exactly the jobs whose scripts import it; comments, docstrings,
    formatting and the logging plumbing rerun nothing."""
    return code_fingerprint(REPO / script, REPO / "src")


def enabled_plans():
    return [plan for plan in PLANS.values() if plan.enabled]


def needed():
    """Every dataset an enabled experiment reads."""
    return sorted(set().union(*(plan.datasets() for plan in enabled_plans())))


def hyperparameter_tables():
    """Paper tables rendered from the configuration alone, each registered by its enabled experiment."""
    return {
        t: s
        for plan in enabled_plans()
        for t, s in plan.hyperparameter_tables().items()
    }


def announce_cpu_budget():
    """A paper-scale run whose jobs would train on this machine's CPU starts with one line: the estimated
    CPU time (config/budget_cpu.yaml, written by bench/dag_budget.py) of the experiments named as targets,
    or of the whole DAG, and the configuration meant for one CPU machine. Nothing else changes. Silent at
    other scales (checked here to skip reading the command line), for a cluster executor (Snakemake's
    `nodes` is set: the jobs find their device on other machines) and inside jobs."""
    if not workflow.is_main_process or workflow.resource_settings.nodes is not None:
        return
    if config["scale"] != "paper":
        return
    plans, scope = targeted(enabled_plans(), command_line_targets())
    line = announcement(config, plans, REPO / "config" / "budget_cpu.yaml", scope)
    if line:
        print(line, file=sys.stderr)


def command_line_targets():
    """The targets on Snakemake's command line, read with its own parser: the workflow is parsed before
    Snakemake records them."""
    from snakemake.cli import get_argument_parser

    args, _ = get_argument_parser().parse_known_args(sys.argv[1:])
    return args.targets or []


def all_targets(wildcards):
    """Every enabled experiment's outputs, its hyperparameter tables, a data card per dataset read, and
    the reproduction summary."""
    tables = [
        f"results/tables/{t}.{ext}"
        for t in hyperparameter_tables()
        for ext in ("csv", "md", "tex")
    ]
    planned = [target for plan in enabled_plans() for target in plan.targets()]
    cards = [f"results/data/{d}.json" for d in needed()]
    summary = ["results/reproduction.md", "results/reproduction.html"]
    return planned + tables + cards + summary


# Data (workflow/data.smk)
FIXTURES = config["data"]["fixtures"]


def raw(dataset):
    """Paths below resources/raw/ of a catalogue dataset's files."""
    return [f"resources/raw/{a}" for a in DATASETS[dataset]]


def dataset_files(wildcards):
    return raw(wildcards.dataset)


def fetch_params(wildcards):
    artifact = ARTIFACTS[wildcards.artifact]
    return {
        "md5": config["data"]["checksums"].get(artifact.path, artifact.md5),
        "mirrors": ([FIXTURES] if FIXTURES else []) + config["data"]["mirrors"],
        "urls": list(artifact.urls) if config["data"]["download"] else [],
    }


def fixture_input(wildcards):
    return f"{FIXTURES}/{wildcards.artifact}" if FIXTURES else []


def hyperparameter_settings(wildcards):
    return hyperparameter_tables()[wildcards.table]
