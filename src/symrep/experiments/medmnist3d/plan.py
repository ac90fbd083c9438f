"""MedMNIST3D configuration → the settings of each training run (imported by the workflow: no torch here)."""

from __future__ import annotations

from symrep.config import ConfigError
from symrep.groups import get_group

RUN_KEYS = (
    "channels",
    "batch_size",
    "eval_batch_size",
    "max_epochs",
    "patience",
    "convention",
    "mixed_precision",
)


def check_section(section: dict) -> None:
    """The 8c-dim latent must hold a whole number of copies of the cube group's regular representation."""
    order, latent = get_group("O").order, 8 * section["channels"]
    if latent % order:
        raise ConfigError(
            f"experiments.medmnist3d.channels: the latent 8c = {latent} is not a multiple of "
            f"|O| = {order} (c = 6 gives two regular copies, as the paper)"
        )
    missing = [d for d in section["datasets"] if d not in section["hyperparameters"]]
    if missing:
        raise ConfigError(f"experiments.medmnist3d.hyperparameters: no lr/lambda for {missing}")


#: weights of CE(f(x1), y) and CE(f(x2), y2) per model, as the authors' MedMNIST code (protocols.md §0): the
#: CNNs train on x1 alone, Ours on 0.5/0.5 of both views
TASK_WEIGHTS = {"cnn": (1.0, 0.0), "cnn_aug": (1.0, 0.0), "ours": (0.5, 0.5)}


def run_settings(section: dict, dataset: str, model: str) -> dict:
    """Everything that defines one (dataset, model) run and nothing else: a config change reruns exactly
    the runs it affects (λ only Ours', organ_label_remap only Organ3D's augmented runs)."""
    hyper = section["hyperparameters"][dataset]
    return {
        "model": model,
        "lr": hyper["lr"],
        "lambda": hyper["lambda"] if model == "ours" else 0.0,
        "task_weights": list(TASK_WEIGHTS[model]),
        "organ_label_remap": section["organ_label_remap"] and dataset == "organmnist3d" and model != "cnn",
        **{key: section[key] for key in RUN_KEYS},
    }
