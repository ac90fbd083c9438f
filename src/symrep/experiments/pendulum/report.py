"""The double-pendulum results: the rollout-error table with verdicts beside the talk's, and per-model details."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate, mean_std_cells
from symrep.report.beside import PAPER, PAPER_ONLY, beside
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

METHODS = {"node": "N-ODE", "hnn": "HNN"}
MODELS = {"scalars": "Scalars O(3)", "mlp": "MLP"}
SECOND_SPRING = {"talk": "½k2, the talk's formula", "released": "k2 without ½, the released code's"}
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


def collect(run_files: list[tuple[str, str | Path]]) -> pd.DataFrame:
    """One row per [protocol, metrics file] (the plan's `table_runs`; a common run under each protocol): the
    protocol, the run's variant, its metrics, the Hamiltonian of its data and (Scalars) its features."""
    rows = []
    for protocol, file in run_files:
        m = read_json(file)
        rows.append(
            {
                "protocol": protocol,
                "variant": Path(file).parts[-5],
                **{k: m[k] for k in RUN_COLUMNS},
                "hamiltonian": m["hamiltonian"],
                "features": m["settings"].get("features", ""),
            }
        )
    return pd.DataFrame(rows)


def table(
    runs: pd.DataFrame, reference: pd.DataFrame, ddof: int, scale: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the table as rendered, its verdict records): per model (the talk's columns) and protocol, per method
    this run's rollout error with its verdict (kind "rmse": a relative RMS error, whose σ floors at 1 % of
    the talk's value), then the talk's row; the EMLP rows are the talk's numbers only."""
    stats = aggregate(runs, ["protocol", "dynamics", "model"], ["rollout_error"], ddof)
    published = {(r.method, r.model): r for r in reference.itertuples()}
    cells = []
    for r in stats.itertuples():
        method, model = METHODS[r.dynamics], MODELS[r.model]
        ref = published.get((method, model))
        cells.append(
            {
                "model": model,
                "protocol": r.protocol,
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
    return frame.replace({"source": talk}), records


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
    stats = aggregate(runs, ["protocol", "dynamics", "model"], values, ddof)
    return pd.DataFrame(
        {
            "protocol": stats["protocol"],
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


def _settings_note(metrics_file: str | Path) -> str:
    """The training settings every run shares (read from one run)."""
    s = read_json(metrics_file)["settings"]
    return f"{s['epochs']} epochs, batch {s['batch_size']}, solver rtol {s['rtol']:g}"


def _protocol_notes(runs: pd.DataFrame) -> list[str]:
    """Per protocol, the Hamiltonian its trajectories come from and the Scalars features it trains."""
    notes = []
    for protocol, group in runs.groupby("protocol", sort=False):
        springs = "; ".join(SECOND_SPRING[h] for h in sorted(set(group["hamiltonian"])))
        features = "/".join(sorted(set(group["features"]) - {""})) or "none (no Scalars run)"
        notes.append(f"protocol {protocol}: second spring {springs}; Scalars features {features}.")
    return notes


def render(
    run_files: list[tuple[str, str | Path]],
    reference: str | Path,
    *,
    table_stem: str | Path,
    details_stem: str | Path,
    runs_csv: str | Path,
    verdicts_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    runs = collect(run_files)
    write_csv(runs_csv, runs)
    seeds = ", ".join(map(str, sorted(runs["seed"].unique())))
    spread = f"mean ± std over seeds {seeds} (std with ddof={ddof})"
    settings = _settings_note(run_files[0][1])
    protocols = [
        *_protocol_notes(runs),
        "protocol: released = the code behind the talk's numbers, described = the talk's formulas "
        "(docs/pendulum.md, Protocols).",
    ]
    frame, records = table(runs, reference_frame(reference), ddof, scale)
    write_csv(verdicts_csv, records)
    write_table(
        frame,
        table_stem,
        title="Double pendulum with springs: test rollout error of N-ODEs and HNNs.",
        scale=scale,
        notes=[
            f"'this run': geometric mean over test systems and the horizon's times of the relative state "
            f"error (the released code's metric), final weights; {spread}; {settings}.",
            *protocols,
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
            f"{spread}; {settings}.",
            *protocols,
            "Test chunk MSE: the training loss on the test systems' first chunk; relative error at the "
            "horizon: |z_pred - z_true| / |z_true| at the last time, mean over systems; O(3) equivariance "
            "error: max |F(Qz, Qg) - Q F(z, g)| / max |F(z, g)| of the learned vector field on the test "
            "states for one random orthogonal Q (float32).",
        ],
    )
