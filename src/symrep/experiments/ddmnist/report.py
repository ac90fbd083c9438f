"""DDMNIST results: Table 4 beside the paper's rows with a verdict per cell, per protocol, and both test
accuracies (plain and augmented) per run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate, collect_runs, mean_std_cells
from symrep.report.beside import INFO, beside
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
    "aug_test_equivariance_rel",
    "best_epoch",
    "epochs",
    "train_seconds",
    "noise",
]


def _budget(runs: list[tuple[str, str | Path]]) -> str:
    settings = {
        (s["max_epochs"], s["patience"], s["batch_size"]) for s in (read_json(f)["settings"] for _, f in runs)
    }
    return "; ".join(f"at most {e} epochs, patience {p}, batch {b}" for e, p, b in sorted(settings))


def table4_cells(runs: pd.DataFrame, reference: pd.DataFrame, ddof: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells of Table 4 (accuracy judged, parameters shown) per (model, protocol), and the paper's rows
    this pipeline does not train."""
    stats = aggregate(runs, ["protocol", "group", "model"], ["aug_test_acc", "params"], ddof)
    paper = {(r.model, r.group): r for r in reference.itertuples()}
    cells = []
    for r in stats.itertuples():
        model = MODEL_NAMES[r.model]
        ref = paper.get((model, r.group))
        common = {"model": model, "protocol": r.protocol, "runs": r.n}
        cells.append(
            {
                **common,
                "column": f"{r.group} accuracy",
                "kind": "accuracy",
                "run_mean": r.aug_test_acc_mean,
                "run_std": r.aug_test_acc_std,
                "paper_mean": ref.accuracy if ref else float("nan"),
                "paper_std": ref.std if ref else float("nan"),
            }
        )
        cells.append(
            {
                **common,
                "column": f"{r.group} params (M)",
                "kind": INFO,
                "run_mean": r.params_mean / 1e6,
                "run_std": 0.0,
                "paper_mean": ref.params_m if ref else float("nan"),
                "paper_std": float("nan"),
            }
        )
    trained = {MODEL_NAMES[m] for m in stats["model"]}
    paper_only = [
        {"model": r.model, "column": f"{r.group} {name}", "paper_mean": mean, "paper_std": std}
        for r in reference.itertuples()
        if r.model not in trained
        for name, mean, std in (("accuracy", r.accuracy, r.std), ("params (M)", r.params_m, float("nan")))
    ]
    return pd.DataFrame(cells), pd.DataFrame(paper_only)


def table4(
    runs: pd.DataFrame, reference: pd.DataFrame, ddof: int, scale: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Table 4 as rendered, its verdict records): rows (model, source, protocol), per group the accuracy
    (mean (std)) with its verdict and the parameters (M), in the paper's row order."""
    cells, paper_only = table4_cells(runs, reference, ddof)
    groups = [
        g for g in GROUPS if f"{g} accuracy" in set(cells["column"]) | set(paper_only.get("column", []))
    ]
    frame, records = beside(
        cells,
        paper_only,
        ["model"],
        table="table4",
        scale=scale,
        row_order=[(m,) for m in PAPER_ORDER],
        column_order=[f"{g} {v}" for g in groups for v in ("accuracy", "params (M)")],
    )
    frame.insert(1, "aug", "yes")
    return frame, records


def accuracy_table(runs: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """Plain and augmented test accuracy, latent equivariance error and training effort per protocol, group
    and model."""
    values = [
        "test_acc",
        "aug_test_acc",
        "aug_test_equivariance",
        "aug_test_equivariance_rel",
        "best_epoch",
        "epochs",
        "train_seconds",
    ]
    stats = aggregate(runs, ["protocol", "group", "model"], values, ddof)
    return pd.DataFrame(
        {
            "protocol": stats["protocol"],
            "group": stats["group"],
            "model": stats["model"].map(MODEL_NAMES),
            "seeds": stats["n"],
            "plain test accuracy": mean_std_cells(stats, "test_acc"),
            "augmented test accuracy": mean_std_cells(stats, "aug_test_acc"),
            "latent equivariance MSE": mean_std_cells(stats, "aug_test_equivariance", 4),
            "relative latent equivariance error": mean_std_cells(stats, "aug_test_equivariance_rel", 4),
            "best epoch": stats["best_epoch_mean"].round(1),
            "epochs run": stats["epochs_mean"].round(1),
            "train minutes": (stats["train_seconds_mean"] / 60).round(1),
        }
    )


def render(
    run_files: list[tuple[str, str]],
    reference: str | Path,
    *,
    table: list[str],
    accuracy: list[str],
    runs_csv: str | Path,
    verdicts_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    runs = collect_runs(run_files, RUN_COLUMNS)
    write_csv(runs_csv, runs)
    seeds = sorted(runs["seed"].unique())
    spread = f"mean (std) over seeds {', '.join(map(str, seeds))} (std with ddof={ddof})"
    budget = _budget(run_files)
    noise = runs.groupby(["protocol", "group"], sort=False)["noise"].agg(lambda n: "/".join(sorted(set(n))))
    budget += "; per-digit interpolation noise: " + ", ".join(f"{p} {g} {n}" for (p, g), n in noise.items())
    frame, records = table4(runs, reference_frame(reference), ddof, scale)
    write_csv(verdicts_csv, records)
    write_table(
        frame,
        table,
        title="Table 4: DDMNIST test accuracy and parameters.",
        scale=scale,
        notes=[
            f"'this run': augmented test set (each digit transformed by a random group element), model at "
            f"the best validation accuracy; {spread}; {budget}.",
            "protocol: released = the authors' code (Ours without the shifted task loss, C4 noise without the "
            "-θ correction); described = the paper's text (docs/ddmnist.md, Protocols). A CNN run outside C4 "
            "is the same under both and is shown under each.",
            "verdict: reproduced when |this run − paper| ≤ 2·√(σ_run² + σ_paper²), each σ at least 0.005; "
            "at a scale other than paper the verdict is 'not comparable' (computed, in brackets).",
            f"'paper' = {citation(reference)}.",
            "'paper (not reproduced here)': the steerable baselines' published numbers only; this "
            "pipeline does not train them.",
            f"Plain and augmented test accuracy of every model: {Path(accuracy[0]).stem}.md.",
        ],
    )
    write_table(
        accuracy_table(runs, ddof),
        accuracy,
        title="DDMNIST test accuracy on the plain and on the augmented test set.",
        scale=scale,
        notes=[
            f"{spread}; {budget}.",
            "Plain: untransformed digits; augmented: each digit transformed by a "
            "random group element with the training augmentation's noise (Table 4 uses this one).",
            "Latent equivariance MSE: mean over the augmented test pairs of MSE(ρ(g)E(x), E(g·x)) "
            "with ρ the latent representation of the product group (for both models). The latent is taken "
            "before a BatchNorm, so its scale is free: the relative error Σ‖ρ(g)E(x) − E(g·x)‖² / Σ‖E(g·x)‖² "
            "is the comparable one (0 = equivariant; about 2 for unrelated latents of equal size).",
        ],
    )
