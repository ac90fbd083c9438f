"""Image inpainting results: test MSE (×1e-2) per dataset and grouping beside the talk's table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.experiments.inpainting.plan import GROUPINGS
from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate, metrics_frame
from symrep.report.beside import beside
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
CLUSTERS = {g: f"{(28 // side) ** 2} × {side}×{side} px" for g, side in GROUPINGS.items()}
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


def table(
    runs: pd.DataFrame, reference: pd.DataFrame, ddof: int, scale: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the table as rendered, its verdict records): a row per grouping (the talk's columns), per dataset
    this run's test MSE ×1e-2 with its verdict (kind "mse": σ floors at 1 % of the talk's value), then the
    talk's row."""
    stats = aggregate(runs, ["dataset", "grouping"], ["test_mse", "params"], ddof)
    published = {(r.dataset, r.grouping): r for r in reference.itertuples()}
    cells = []
    for r in stats.itertuples():
        ref = published.get((r.dataset, r.grouping))
        keys = {"group": GROUP_LABELS[r.grouping], "clusters": CLUSTERS[r.grouping], "protocol": ""}
        cells.append(
            {
                **keys,
                "column": DATASET_NAMES[r.dataset],
                "kind": "mse",
                "run_mean": r.test_mse_mean * SCALE,
                "run_std": r.test_mse_std * SCALE,
                "runs": r.n,
                "paper_mean": ref.mse_mean if ref else float("nan"),
                "paper_std": ref.mse_std if ref else float("nan"),
            }
        )
    trained = set(zip(stats["dataset"], stats["grouping"]))
    paper_only = pd.DataFrame(
        [
            {
                "group": GROUP_LABELS[r.grouping],
                "clusters": CLUSTERS[r.grouping],
                "column": DATASET_NAMES[r.dataset],
                "paper_mean": r.mse_mean,
                "paper_std": r.mse_std,
            }
            for r in reference.itertuples()
            if (r.dataset, r.grouping) not in trained
        ],
        columns=["group", "clusters", "column", "paper_mean", "paper_std"],
    )
    frame, records = beside(
        pd.DataFrame(cells),
        paper_only,
        ["group", "clusters"],
        table="inpainting",
        scale=scale,
        row_order=[(GROUP_LABELS[g], CLUSTERS[g]) for g in GROUPINGS],
        column_order=list(DATASET_NAMES.values()),
        digits=2,
    )
    talk = {"paper": "talk", "paper (not reproduced here)": "talk (not run here)"}
    return frame.drop(columns="protocol").replace({"source": talk}), records


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
    outputs: list[str],
    runs_csv: str | Path,
    verdicts_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    runs = metrics_frame(metrics_files, RUN_COLUMNS)
    write_csv(runs_csv, runs)
    seeds = ", ".join(map(str, sorted(runs["seed"].unique())))
    masked = runs.groupby("dataset", sort=False)["test_mse_of_masked_input"].mean() * SCALE
    frame, records = table(runs, reference_frame(reference), ddof, scale)
    write_csv(verdicts_csv, records)
    write_table(
        frame,
        outputs,
        title="Image inpainting: test MSE (×1e-2) of the 2-layer network equivariant to each group.",
        scale=scale,
        notes=[
            f"'this run': 100 × mean squared error over every pixel of the test images (normalised units), "
            f"weights of the best validation MSE; mean (std) over seeds {seeds} (std with ddof={ddof}); "
            f"{_budget(metrics_files)}.",
            "verdict: reproduced when |this run − talk| ≤ 2·√(σ_run² + σ_talk²), each σ at least 1 % of the "
            "talk's value; at a scale other than paper 'not comparable' (computed, in brackets). Per-cell "
            "numbers: results/verdicts/inpainting.csv.",
            "For scale, the masked input itself scores "
            + ", ".join(f"{DATASET_NAMES[d]} {v:.2f}" for d, v in masked.items())
            + " (×1e-2) against the clean images.",
            f"'talk' = {citation(reference)}.",
        ],
    )
