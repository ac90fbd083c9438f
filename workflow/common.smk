# Configuration layering and validation, and helpers shared by every stage (no rules here).
import os
from pathlib import Path

import yaml

from symrep.codedeps import code_dependencies
from symrep.data.catalog import ARTIFACTS, DATASETS
from symrep.data.fixtures import FIXTURE_FILES
from symrep.config import check_datasets, deep_merge, needed_datasets, validate_config

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
TARGETS = []  # each experiment's module appends its final outputs when it is enabled
NEEDED_DATASETS = sorted(needed_datasets(EXPERIMENTS))


def repo_file(path):
    """A file of the repository (not of the working directory), as a path relative to the working directory."""
    return os.path.relpath(REPO / path)


def code(script):
    """The symrep source files `script` imports (transitively), as inputs relative to the working directory.
    Declared by every rule, so that a library change reruns exactly the jobs it affects.
    """
    return [os.path.relpath(p) for p in code_dependencies(REPO / script, REPO / "src")]


def all_targets(wildcards):
    """Every enabled experiment's outputs, and a data card per dataset they read."""
    return TARGETS + [f"results/data/{d}.json" for d in NEEDED_DATASETS]


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


# Hyperparameter tables (workflow/report.smk)
HYPERPARAMETER_SETTINGS = {
    "table7": EXPERIMENTS["latent"],
    "table8": EXPERIMENTS["ddmnist"]["groups"],
    "table9": EXPERIMENTS["ddmnist"]["hyperparameters"],
    "table10": EXPERIMENTS["medmnist3d"]["hyperparameters"],
}


def hyperparameter_settings(wildcards):
    return HYPERPARAMETER_SETTINGS[wildcards.table]
