"""The double-pendulum results: the rollout-error table with verdicts beside the talk's, and per-model details."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate, mean_std_cells, metrics_frame
from symrep.report.beside import PAPER, PAPER_ONLY, beside
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

METHODS = {"node": "N-ODE", "hnn": "HNN"}
MODELS = {"scalars": "Scalars O(3)", "mlp": "MLP"}
#: the talk's model columns, in its order: the table's rows
TALK_COLUMNS = ["Scalars O(3)", "EMLP O(2)", "EMLP SO(2)", "EMLP D2", "EMLP D6", "MLP"]
NOT_RUN = "talk (not run here)"  # the EMLP rows: the talk's numbers, no run of this pipeline
RUN_COLUMNS = [
    "dynamics",
    "model",
    "seed",
    "params",
    "rollout_error",
    "test_mse",
    "final_relative_error",
    "equivariance_error",
    "final_train_mse",
    "final_val_mse",
    "epochs",
    "train_seconds",
    "test_seconds",
    "test_solver_steps",
]


def table(
    runs: pd.DataFrame, reference: pd.DataFrame, ddof: int, scale: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the table as rendered, its verdict records): a row per model (the talk's columns), per method this
    run's rollout error with its verdict (kind "rmse": a relative RMS error, whose σ floors at 1 % of the
    talk's value), then the talk's row; the EMLP rows are the talk's numbers only."""
    stats = aggregate(runs, ["dynamics", "model"], ["rollout_error"], ddof)
    published = {(r.method, r.model): r for r in reference.itertuples()}
    cells = []
    for r in stats.itertuples():
        method, model = METHODS[r.dynamics], MODELS[r.model]
        ref = published.get((method, model))
        cells.append(
            {
                "model": model,
                "protocol": "",
                "column": method,
                "kind": "rmse",
                "run_mean": r.rollout_error_mean,
                "run_std": r.rollout_error_std,
                "runs": r.n,
                "paper_mean": ref.error if ref else float("nan"),
                "paper_std": ref.std if ref else float("nan"),
            }
        )
    trained = {(METHODS[d], MODELS[m]) for d, m in zip(stats["dynamics"], stats["model"])}
    paper_only = pd.DataFrame(
        [
            {"model": r.model, "column": r.method, "paper_mean": r.error, "paper_std": r.std}
            for r in reference.itertuples()
            if (r.method, r.model) not in trained
        ],
        columns=["model", "column", "paper_mean", "paper_std"],
    )
    frame, records = beside(
        pd.DataFrame(cells),
        paper_only,
        ["model"],
        table="pendulum",
        scale=scale,
        row_order=[(model,) for model in TALK_COLUMNS],
        column_order=list(METHODS.values()),
        digits=3,
    )
    talk = {PAPER: "talk", PAPER_ONLY: NOT_RUN}
    return frame.drop(columns="protocol").replace({"source": talk}), records


def details_table(runs: pd.DataFrame, ddof: int) -> pd.DataFrame:
    values = [
        "rollout_error",
        "test_mse",
        "final_relative_error",
        "equivariance_error",
        "final_train_mse",
        "params",
        "epochs",
        "train_seconds",
        "test_seconds",
        "test_solver_steps",
    ]
    stats = aggregate(runs, ["dynamics", "model"], values, ddof)
    return pd.DataFrame(
        {
            "method": stats["dynamics"].map(METHODS),
            "model": stats["model"].map(MODELS),
            "seeds": stats["n"],
            "parameters": stats["params_mean"].astype(int),
            "rollout error": mean_std_cells(stats, "rollout_error", 4),
            "test chunk MSE": [f"{m:.2e}" for m in stats["test_mse_mean"]],
            "relative error at the horizon": mean_std_cells(stats, "final_relative_error"),
            "final train MSE": [f"{m:.2e}" for m in stats["final_train_mse_mean"]],
            "O(3) equivariance error": [f"{m:.1e}" for m in stats["equivariance_error_mean"]],
            "epochs": stats["epochs_mean"].astype(int),
            "train minutes": (stats["train_seconds_mean"] / 60).round(1),
            "test seconds": stats["test_seconds_mean"].round(1),
            "test solver steps": stats["test_solver_steps_mean"].round(0).astype(int),
        }
    )


def _protocol(metrics_files: list[str | Path]) -> str:
    settings = [read_json(f)["settings"] for f in metrics_files]
    first = settings[0]
    features = sorted({s["features"] for s in settings if "features" in s})
    text = f"{first['epochs']} epochs, batch {first['batch_size']}, solver rtol {first['rtol']:g}"
    return text + (f"; Scalars features: {'/'.join(features)}" if features else "")


def render(
    metrics_files: list[str | Path],
    reference: str | Path,
    *,
    table_stem: str | Path,
    details_stem: str | Path,
    runs_csv: str | Path,
    verdicts_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    runs = metrics_frame(metrics_files, RUN_COLUMNS)
    write_csv(runs_csv, runs)
    hamiltonian = "/".join(sorted({read_json(f)["hamiltonian"] for f in metrics_files}))
    seeds = ", ".join(map(str, sorted(runs["seed"].unique())))
    spread = f"mean ± std over seeds {seeds} (std with ddof={ddof})"
    protocol = _protocol(metrics_files)
    frame, records = table(runs, reference_frame(reference), ddof, scale)
    write_csv(verdicts_csv, records)
    write_table(
        frame,
        table_stem,
        title="Double pendulum with springs: test rollout error of N-ODEs and HNNs.",
        scale=scale,
        notes=[
            f"'this run': geometric mean over test systems and the horizon's times of the relative state "
            f"error (the released code's metric), final weights; {spread}; {protocol}; trajectories of "
            f"the {hamiltonian} Hamiltonian.",
            "verdict: reproduced when |this run − talk| ≤ 2·√(σ_run² + σ_talk²), each σ at least 1 % of the "
            "talk's value; at a scale other than paper 'not comparable' (computed, in brackets). Per-cell "
            "numbers: results/verdicts/pendulum.csv.",
            f"'talk' = {citation(reference)}.",
            f"EMLP rows ('{NOT_RUN}'): the talk's numbers only, not reproduced here (the emlp package calls "
            "JAX functions that current JAX no longer has).",
            f"Per-model details: {Path(details_stem).name}.md.",
        ],
    )
    write_table(
        details_table(runs, ddof),
        details_stem,
        title="Double pendulum: rollout error, errors and effort per model.",
        scale=scale,
        notes=[
            f"{spread}; {protocol}.",
            "Test chunk MSE: the training loss on the test systems' first chunk; relative error at the "
            "horizon: |z_pred - z_true| / |z_true| at the last time, mean over systems; O(3) equivariance "
            "error: max |F(Qz, Qg) - Q F(z, g)| / max |F(z, g)| of the learned vector field on the test "
            "states for one random orthogonal Q (float32).",
        ],
    )
