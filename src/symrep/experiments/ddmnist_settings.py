"""DDMNIST configuration → the settings of each training run (imported by the workflow: no torch here)."""

from __future__ import annotations

from symrep.config import ConfigError
from symrep.groups import get_group

RUN_KEYS = ("latent_dim", "batch_size", "max_epochs", "patience")


def check_section(section: dict) -> None:
    """The latent must hold one regular copy of each product group G×G."""
    for group in section["groups"]:
        order = get_group(f"{group}x{group}").order
        if section["latent_dim"] < order:
            raise ConfigError(
                f"experiments.ddmnist.latent_dim: {section['latent_dim']} is smaller than "
                f"|{group}x{group}| = {order}, the regular representation does not fit"
            )


def run_settings(section: dict, group: str, model: str) -> dict:
    """Everything that defines one (group, model) run, and nothing else, so that a config change reruns
    exactly the runs it affects (c4_augmentation only C4's, shifted_task_weight only Ours')."""
    hyper = section["hyperparameters"][group][model]
    settings = {
        "group": group,
        "model": model,
        "lr": hyper["lr"],
        "lambda": hyper.get("lambda", 0.0),
        "shifted_task_weight": section["shifted_task_weight"] if model == "ours" else 0.0,
        **{key: section[key] for key in RUN_KEYS},
    }
    if group == "C4":
        settings["c4_augmentation"] = section["c4_augmentation"]
    return settings
