"""The main paper's hyperparameter tables (7-10), rendered from the configuration beside the paper's values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.groups import get_group
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

_LATENT_NAMES = {"tmnist_z2": "TMNIST", "mnist_d3": "MNIST", "cifar10_c4": "CIFAR10"}
_TABLE7_KEYS = ["latent_dim", "lambda_algebra", "lambda_decoder", "lambda_latent", "lr", "batch_size"]
_GROUP_DESCRIPTIONS = {
    "C4": ("Cyclic", "90-degree rotation"),
    "D1": ("Dihedral", "Horizontal reflection"),
    "D4": ("Dihedral", "Horizontal reflection and 90-degree rotation"),
}


def _beside(ours: pd.DataFrame, paper: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of this configuration and of the paper, interleaved by `keys`, labelled in a `source` column."""
    frame = pd.concat([ours.assign(source="this run"), paper.assign(source="paper")], ignore_index=True)
    frame = frame.sort_values(keys, kind="stable", key=lambda col: col.map(_order(ours, col.name)))
    return frame[["source", *[c for c in frame.columns if c != "source"]]].reset_index(drop=True)


def _order(frame: pd.DataFrame, column: str) -> dict:
    values = list(dict.fromkeys(frame[column])) if column in frame else []
    return lambda v: values.index(v) if v in values else len(values)


def table7(settings: dict[str, dict]) -> pd.DataFrame:
    """`settings`: protocol -> the latent section under it. One row per experiment and distinct set of
    values, labelled with the protocols that use it."""
    rows: dict[tuple, list[str]] = {}
    for protocol, section in settings.items():
        for name in _LATENT_NAMES:
            values = tuple(section[name][k] for k in _TABLE7_KEYS)
            rows.setdefault((name, values), []).append(protocol)
    return pd.DataFrame(
        [
            {
                "experiment": _LATENT_NAMES[name],
                "protocol": ", ".join(protocols),
                **dict(zip(_TABLE7_KEYS, values)),
            }
            for (name, values), protocols in rows.items()
        ]
    )


def table8(groups: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "group": g,
                "group_type": _GROUP_DESCRIPTIONS[g][0],
                "generators": _GROUP_DESCRIPTIONS[g][1],
                "order": get_group(g).order,
                "product_group": f"{g}x{g}",
                "product_order": get_group(f"{g}x{g}").order,
            }
            for g in groups
        ]
    )


def table9(hyperparameters: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"group": g, "model": m, **values}
            for g, models in hyperparameters.items()
            for m, values in models.items()
        ]
    )


def table10(hyperparameters: dict) -> pd.DataFrame:
    rows = []
    for dataset, values in hyperparameters.items():
        rows.append({"dataset": dataset, "model": "cnn_aug", "lr": values["lr"]})
        rows.append({"dataset": dataset, "model": "ours", "lr": values["lr"], "lambda": values["lambda"]})
    return pd.DataFrame(rows)


TABLES = {
    "table7": (table7, ["experiment"], "Table 7: hyperparameters of the learned-representation experiments."),
    "table8": (table8, ["group"], "Table 8: groups acting on each DDMNIST digit."),
    "table9": (table9, ["group", "model"], "Table 9: DDMNIST learning rates and equivariance weight λ."),
    "table10": (
        table10,
        ["dataset", "model"],
        "Table 10: MedMNIST3D learning rates and equivariance weight λ.",
    ),
}


def render(table: str, settings, reference: str | Path, stem: str | Path, scale: str) -> None:
    build, keys, title = TABLES[table]
    frame = _beside(build(settings), reference_frame(reference), keys)
    write_table(
        frame,
        stem,
        title=title,
        scale=scale,
        notes=[f"'this run' = the configuration used; 'paper' = {citation(reference)}."],
    )
