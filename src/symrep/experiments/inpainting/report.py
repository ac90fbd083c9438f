"""Image inpainting results: test MSE (×1e-2) per dataset and grouping beside the talk's table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.experiments.inpainting.plan import GROUPINGS
from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
GROUP_LABELS = {
    "S784": "S_784",
    "S196x4": "(S_196)^4",
    "S49x16": "(S_49)^16",
    "S16x49": "(S_16)^49",
    "S4x196": "(S_4)^196",
    "trivial": "trivial",
}
SCALE = 100  # the talk's "MSE (×1e-2)": the mean squared error times 100
RUN_COLUMNS = [
    "dataset",
    "grouping",
    "seed",
    "params",
    "test_mse",
    "best_val_mse",
    "test_mse_of_masked_input",
    "best_epoch",
    "epochs",
    "train_seconds",
]


def collect_runs(metrics_files: list[str | Path]) -> pd.DataFrame:
    """One row per run (dataset, grouping, seed) from the training jobs' metrics.json files."""
    return pd.DataFrame([{k: read_json(f)[k] for k in RUN_COLUMNS} for f in metrics_files])


def _cell(mean: float, std: float) -> str:
    return "" if pd.isna(mean) else f"{mean:.2f} ± {std:.2f}"


def mse_table(runs: pd.DataFrame, reference: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """One row per (dataset, grouping) of the run or of the talk, in the talk's order: this run's and the
    talk's test MSE ×1e-2 as text and as separate numeric mean and std columns."""
    stats = aggregate(runs, ["dataset", "grouping"], ["test_mse", "params"], ddof)
    stats["run_mean"], stats["run_std"] = stats["test_mse_mean"] * SCALE, stats["test_mse_std"] * SCALE
    talk = reference.rename(columns={"mse_mean": "talk_mean", "mse_std": "talk_std"})
    frame = stats.merge(talk, on=["dataset", "grouping"], how="outer")
    rank = frame["dataset"].map(list(DATASET_NAMES).index) * len(GROUPINGS) + frame["grouping"].map(
        list(GROUPINGS).index
    )
    frame = frame.iloc[rank.argsort(kind="stable")].reset_index(drop=True)
    side = frame["grouping"].map(GROUPINGS)
    return pd.DataFrame(
        {
            "dataset": frame["dataset"].map(DATASET_NAMES),
            "group": frame["grouping"].map(GROUP_LABELS),
            "clusters": [f"{(28 // s) ** 2} × {s}×{s} px" for s in side],
            "this run": [_cell(m, s) for m, s in zip(frame["run_mean"], frame["run_std"])],
            "talk": [_cell(m, s) for m, s in zip(frame["talk_mean"], frame["talk_std"])],
            "run_mean": frame["run_mean"].round(4),
            "run_std": frame["run_std"].round(4),
            "talk_mean": frame["talk_mean"],
            "talk_std": frame["talk_std"],
            "seeds": frame["n"].astype("Int64"),
            "params": frame["params_mean"].astype("Int64"),
        }
    )


def _budget(metrics_files: list[str | Path]) -> str:
    settings = {
        (s["epochs"], s["lr"], s["hidden"]) for s in (read_json(f)["settings"] for f in metrics_files)
    }
    return "; ".join(
        f"{e} full-batch Adam steps, lr {lr}, {h} hidden channels" for e, lr, h in sorted(settings)
    )


def render(
    metrics_files: list[str | Path],
    reference: str | Path,
    *,
    table_stem: str | Path,
    runs_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    runs = collect_runs(metrics_files)
    write_csv(runs_csv, runs)
    seeds = ", ".join(map(str, sorted(runs["seed"].unique())))
    masked = runs.groupby("dataset", sort=False)["test_mse_of_masked_input"].mean() * SCALE
    write_table(
        mse_table(runs, reference_frame(reference), ddof),
        table_stem,
        title="Image inpainting: test MSE (×1e-2) of the 2-layer network equivariant to each group.",
        scale=scale,
        notes=[
            f"'this run': 100 × mean squared error over every pixel of the test images (normalised units), "
            f"weights of the best validation MSE; mean ± std over seeds {seeds} (std with ddof={ddof}); "
            f"{_budget(metrics_files)}.",
            "run_mean, run_std, talk_mean, talk_std: the same numbers (×1e-2) as plain numbers; seeds: runs "
            "behind this run's cell; params: trainable parameters of the network.",
            "For scale, the masked input itself scores "
            + ", ".join(f"{DATASET_NAMES[d]} {v:.2f}" for d, v in masked.items())
            + " (×1e-2) against the clean images.",
            f"'talk' = {citation(reference)}.",
        ],
    )
