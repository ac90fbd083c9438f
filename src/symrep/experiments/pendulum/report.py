"""The double-pendulum results: the rollout-error table beside the talk's, and per-model details."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate, mean_std_cells
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

METHODS = {"node": "N-ODE", "hnn": "HNN"}
MODELS = {"scalars": "Scalars O(3)", "mlp": "MLP"}
TALK_COLUMNS = ["Scalars O(3)", "EMLP O(2)", "EMLP SO(2)", "EMLP D2", "EMLP D6", "MLP"]
NOT_REPRODUCED = "not reproduced (talk only)"
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


def collect_runs(metrics_files: list[str | Path]) -> pd.DataFrame:
    return pd.DataFrame([{k: read_json(f)[k] for k in RUN_COLUMNS} for f in metrics_files])


def cell(mean: float, std: float) -> str:
    """The talk's 'mean ± std' with three decimals."""
    return f"{mean:.3f} ± {std:.3f}"


def rollout_table(runs: pd.DataFrame, reference: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """One row per (method, model column) of the talk's table: this run's and the talk's cell, and their
    numbers (run mean, std and number of seeds; the talk's mean and std)."""
    stats = aggregate(runs, ["dynamics", "model"], ["rollout_error"], ddof)
    stats["method"], stats["column"] = stats["dynamics"].map(METHODS), stats["model"].map(MODELS)
    ours = stats.set_index(["method", "column"])
    rows = []
    for method in METHODS.values():
        for column in TALK_COLUMNS:
            talk = reference[(reference["method"] == method) & (reference["model"] == column)]
            talk_mean = float(talk["error"].iloc[0]) if len(talk) else float("nan")
            talk_std = float(talk["std"].iloc[0]) if len(talk) else float("nan")
            run = ours.loc[(method, column)] if (method, column) in ours.index else None
            if run is None and column in MODELS.values():
                continue  # a model this configuration leaves out
            rows.append(
                {
                    "method": method,
                    "model": column,
                    "this run": cell(run["rollout_error_mean"], run["rollout_error_std"])
                    if run is not None
                    else NOT_REPRODUCED,
                    "talk": cell(talk_mean, talk_std) if len(talk) else "",
                    "run_mean": run["rollout_error_mean"] if run is not None else float("nan"),
                    "run_std": run["rollout_error_std"] if run is not None else float("nan"),
                    "runs": int(run["n"]) if run is not None else 0,
                    "talk_mean": talk_mean,
                    "talk_std": talk_std,
                }
            )
    return pd.DataFrame(rows)


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
    scale: str,
    ddof: int,
) -> None:
    runs = collect_runs(metrics_files)
    write_csv(runs_csv, runs)
    hamiltonian = "/".join(sorted({read_json(f)["hamiltonian"] for f in metrics_files}))
    seeds = ", ".join(map(str, sorted(runs["seed"].unique())))
    spread = f"mean ± std over seeds {seeds} (std with ddof={ddof})"
    protocol = _protocol(metrics_files)
    write_table(
        rollout_table(runs, reference_frame(reference), ddof),
        table_stem,
        title="Double pendulum with springs: test rollout error of N-ODEs and HNNs.",
        scale=scale,
        notes=[
            f"'this run': geometric mean over test systems and the horizon's times of the relative state "
            f"error (the released code's metric), final weights; {spread}; {protocol}; trajectories of "
            f"the {hamiltonian} Hamiltonian.",
            f"'talk' = {citation(reference)}.",
            "EMLP columns: the talk's numbers only, not reproduced here (the emlp package calls JAX "
            "functions that current JAX no longer has).",
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
