# Configuration layering and validation, and helpers shared by every stage (no rules here).
import os
from pathlib import Path

import yaml

from symrep.codedeps import code_fingerprint
from symrep.config import check_datasets, deep_merge, needed_datasets, validate_config
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

EXPERIMENTS = config["experiments"]
PLANS = {}  # experiment name -> its plan; each workflow/<experiment>.smk registers one
TARGETS = []  # final outputs of experiments without a plan
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
    # a sub-experiment's plan is named by its path: "ensembles.gerken_kessel"
    planned = {name.split(".")[0] for name in PLANS}
    unplanned = {k: v for k, v in EXPERIMENTS.items() if k not in planned}
    return sorted(
        needed_datasets(unplanned).union(*(p.datasets() for p in enabled_plans()))
    )


def all_targets(wildcards):
    """Every enabled experiment's outputs, and a data card per dataset they read."""
    planned = [target for plan in enabled_plans() for target in plan.targets()]
    return TARGETS + planned + [f"results/data/{d}.json" for d in needed()]


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


# Hyperparameter tables: workflow/report.smk collects them from the enabled experiments' plans
HYPERPARAMETER_SETTINGS = {}


def hyperparameter_settings(wildcards):
    return HYPERPARAMETER_SETTINGS[wildcards.table]
