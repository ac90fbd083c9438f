"""DDMNIST results: Table 4 beside the paper's rows, and both test accuracies (plain and augmented) per run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate, mean_std, mean_std_cells
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

MODEL_NAMES = {"cnn": "CNN", "ours": "Ours"}
PAPER_ORDER = ["CNN", "SCNN", "Restriction", "RPP", "PSCNN", "Ours"]
GROUPS = ["C4", "D1", "D4"]
RUN_COLUMNS = [
    "group",
    "model",
    "seed",
    "params",
    "test_acc",
    "aug_test_acc",
    "aug_test_equivariance",
    "best_epoch",
    "epochs",
    "train_seconds",
    "noise",
]


def collect_runs(metrics_files: list[str | Path]) -> pd.DataFrame:
    """One row per run (group, model, seed) from the training jobs' metrics.json files."""
    return pd.DataFrame([{k: read_json(f)[k] for k in RUN_COLUMNS} for f in metrics_files])


def _budget(metrics_files: list[str | Path]) -> str:
    settings = {
        (s["max_epochs"], s["patience"], s["batch_size"])
        for s in (read_json(f)["settings"] for f in metrics_files)
    }
    return "; ".join(f"at most {e} epochs, patience {p}, batch {b}" for e, p, b in sorted(settings))


def table4(runs: pd.DataFrame, reference: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """Rows = (model, source), columns = accuracy (mean (std)) and parameters (M) per group, as in the paper."""
    stats = aggregate(runs, ["group", "model"], ["aug_test_acc", "params"], ddof)
    rows = [
        {
            "model": MODEL_NAMES[r.model],
            "source": "this run",
            "group": r.group,
            "accuracy": mean_std(r.aug_test_acc_mean, r.aug_test_acc_std),
            "params (M)": f"{r.params_mean / 1e6:.2f}",
        }
        for r in stats.itertuples()
    ]
    run_models = {MODEL_NAMES[m] for m in stats["model"]}
    rows += [
        {
            "model": r.model,
            "source": "paper" if r.model in run_models else "paper (not reproduced here)",
            "group": r.group,
            "accuracy": mean_std(r.accuracy, r.std),
            "params (M)": f"{r.params_m:.2f}",
        }
        for r in reference.itertuples()
    ]
    long = pd.DataFrame(rows)
    wide = long.pivot(index=["model", "source"], columns="group", values=["accuracy", "params (M)"])
    groups = [g for g in GROUPS if g in wide.columns.get_level_values("group")]
    frame = pd.DataFrame({f"{g} {v}": wide[(v, g)] for g in groups for v in ("accuracy", "params (M)")})
    frame = frame.reset_index().fillna("")
    frame.insert(2, "aug", "yes")
    rank = frame["model"].map(PAPER_ORDER.index) * 2 + (frame["source"] != "this run")
    return frame.iloc[rank.argsort(kind="stable")].reset_index(drop=True)


def accuracy_table(runs: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """Plain and augmented test accuracy, latent equivariance error and training effort per group and model."""
    values = ["test_acc", "aug_test_acc", "aug_test_equivariance", "best_epoch", "epochs", "train_seconds"]
    stats = aggregate(runs, ["group", "model"], values, ddof)
    return pd.DataFrame(
        {
            "group": stats["group"],
            "model": stats["model"].map(MODEL_NAMES),
            "seeds": stats["n"],
            "plain test accuracy": mean_std_cells(stats, "test_acc"),
            "augmented test accuracy": mean_std_cells(stats, "aug_test_acc"),
            "latent equivariance MSE": mean_std_cells(stats, "aug_test_equivariance", 4),
            "best epoch": stats["best_epoch_mean"].round(1),
            "epochs run": stats["epochs_mean"].round(1),
            "train minutes": (stats["train_seconds_mean"] / 60).round(1),
        }
    )


def render(
    metrics_files: list[str | Path],
    reference: str | Path,
    *,
    table_stem: str | Path,
    accuracy_stem: str | Path,
    runs_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    runs = collect_runs(metrics_files)
    write_csv(runs_csv, runs)
    seeds = sorted(runs["seed"].unique())
    spread = f"mean (std) over seeds {', '.join(map(str, seeds))} (std with ddof={ddof})"
    budget = _budget(metrics_files)
    noise = runs.groupby("group", sort=False)["noise"].agg(lambda n: "/".join(sorted(set(n))))
    budget += "; per-digit interpolation noise: " + ", ".join(f"{g} {n}" for g, n in noise.items())
    write_table(
        table4(runs, reference_frame(reference), ddof),
        table_stem,
        title="Table 4: DDMNIST test accuracy and parameters.",
        scale=scale,
        notes=[
            f"'this run': augmented test set (each digit transformed by a random group element), model at "
            f"the best validation accuracy; {spread}; {budget}.",
            f"'paper' = {citation(reference)}.",
            "'paper (not reproduced here)': the steerable baselines' published numbers only; this "
            "pipeline does not train them.",
            f"Plain and augmented test accuracy of every model: {Path(accuracy_stem).name}.md.",
        ],
    )
    write_table(
        accuracy_table(runs, ddof),
        accuracy_stem,
        title="DDMNIST test accuracy on the plain and on the augmented test set.",
        scale=scale,
        notes=[
            f"{spread}; {budget}.",
            "Plain: untransformed digits; augmented: each digit transformed by a "
            "random group element with the training augmentation's noise (Table 4 uses this one).",
            "Latent equivariance MSE: mean over the augmented test pairs of MSE(ρ(g)E(x), E(g·x)) "
            "with ρ the latent representation of the product group (for both models).",
        ],
    )
