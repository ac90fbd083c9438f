"""SMOKE's Table 6: Future and Domain RMSE of each model beside the paper's rows, a protocol per row and a
verdict per cell, and one row per run and protocol."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json, write_csv
from symrep.report.aggregate import aggregate
from symrep.report.beside import INFO, beside
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

#: this run's models as Table 6 names them: (group, model, aug)
ROWS = {
    "cnn": ("N/A", "CNN", "No"),
    "cnn_aug": ("N/A", "CNN", "Yes"),
    "mlp": ("N/A", "MLP", "No"),
    "ours": ("C4", "Ours", "Yes"),
}
KEYS = ["group", "model", "aug"]
#: Table 6's columns: (column, metric of a run, reference key, kind)
COLUMNS = [
    ("Future", "future_rmse", "future", "rmse"),
    ("Domain", "domain_rmse", "domain", "rmse"),
]
PARAMS = "params (M)"


def collect(run_files: list[tuple[str, str | Path]]) -> pd.DataFrame:
    """One row per [protocol, metrics file] (a plan's `table_runs`): the run's test under that protocol."""
    rows = []
    for protocol, file in run_files:
        m = read_json(file)
        test = m["evaluations"][protocol]
        rows.append(
            {
                "protocol": protocol,
                "variant": Path(file).parts[-4],
                "model": m["model"],
                "seed": m["seed"],
                "params": m["params"],
                "future_rmse": test["future_rmse"],
                "domain_rmse": test["domain_rmse"],
                "test_steps": test["test_steps"],
                "tested_weights": test["tested_weights"],
                "action": m["settings"].get("action", ""),
                "equivariance_pairs": m["settings"].get("equivariance_pairs", ""),
                "best_epoch": m["best_epoch"],
                "epochs": m["epochs"],
            }
        )
    return pd.DataFrame(rows)


def table6(
    runs: pd.DataFrame, reference: pd.DataFrame, ddof: int, scale: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Table 6 as rendered, its verdict records): per (model, protocol) the Future and Domain RMSE (mean (std)
    over seeds) with a verdict each and the parameters, beside the paper's rows, in the paper's order."""
    stats = aggregate(runs, ["protocol", "model"], ["future_rmse", "domain_rmse", "params"], ddof)
    paper = {tuple(r[k] for k in KEYS): r for r in reference.to_dict("records")}
    cells = []
    for r in stats.to_dict("records"):
        key = dict(zip(KEYS, ROWS[r["model"]]))
        ref = paper[tuple(key.values())]
        common = {**key, "protocol": r["protocol"], "runs": r["n"]}
        for column, metric, ref_key, kind in COLUMNS:
            cells.append(
                {
                    **common,
                    "column": column,
                    "kind": kind,
                    "run_mean": r[f"{metric}_mean"],
                    "run_std": r[f"{metric}_std"],
                    "paper_mean": ref[ref_key],
                    "paper_std": ref[f"{ref_key}_std"],
                }
            )
        cells.append(
            {
                **common,
                "column": PARAMS,
                "kind": INFO,
                "run_mean": r["params_mean"] / 1e6,
                "run_std": 0.0,
                "paper_mean": ref["params_m"],
                "paper_std": float("nan"),
            }
        )
    trained = {ROWS[m] for m in stats["model"]}
    paper_only = [
        {**{k: r[k] for k in KEYS}, "column": column, "paper_mean": mean, "paper_std": std}
        for r in reference.to_dict("records")
        if tuple(r[k] for k in KEYS) not in trained
        for column, mean, std in (
            *((c, r[ref_key], r[f"{ref_key}_std"]) for c, _, ref_key, _ in COLUMNS),
            (PARAMS, r["params_m"], float("nan")),
        )
    ]
    return beside(
        pd.DataFrame(cells),
        pd.DataFrame(paper_only),
        KEYS,
        table="table6",
        scale=scale,
        row_order=[tuple(r[k] for k in KEYS) for r in reference.to_dict("records")],
        column_order=[c for c, *_ in COLUMNS] + [PARAMS],
    )


def _protocol_notes(runs: pd.DataFrame) -> list[str]:
    """Per protocol, the test and the training options its rows were made with."""
    notes = []
    for protocol, group in runs.groupby("protocol", sort=False):
        steps = "/".join(map(str, sorted(set(group["test_steps"]))))
        weights = "/".join(sorted(set(group["tested_weights"])))
        actions = "/".join(sorted(set(group["action"]) - {""})) or "none"
        pairs = "/".join(sorted(set(group["equivariance_pairs"]) - {""})) or "none"
        notes.append(
            f"protocol {protocol}: {steps}-step test rollouts, {weights}-epoch weights tested; augmentation "
            f"action '{actions}'; Ours' latent pairs '{pairs}'."
        )
    return notes


def render(
    run_files: list[tuple[str, str]],
    reference: str | Path,
    *,
    table: list[str] | str | Path,
    runs_csv: str | Path,
    verdicts_csv: str | Path,
    scale: str,
    ddof: int,
    training: dict,
) -> pd.DataFrame:
    """Write Table 6, its verdict records and the per-run rows; return the rendered table."""
    runs = collect(run_files)
    write_csv(runs_csv, runs)
    frame, records = table6(runs, reference_frame(reference), ddof, scale)
    write_csv(verdicts_csv, records)
    seeds = ", ".join(map(str, sorted(runs["seed"].unique())))
    write_table(
        frame,
        table,
        title="Table 6: SMOKE autoregression, test RMSE (Future, Domain).",
        scale=scale,
        notes=[
            f"'this run': RMSE of autoregressive test rollouts (Wang et al.'s batch-averaged definition), mean "
            f"(std) over seeds {seeds} (std ddof {ddof}); models trained with a {training['train_steps']}-step "
            f"loss for at most {training['max_epochs']} epochs.",
            *_protocol_notes(runs),
            "protocol: released = the authors' code, described = the paper's text (docs/smoke.md, Protocols). "
            "The CNN and the MLP train alike under both: one run, tested under each protocol.",
            "verdict: reproduced when |this run − paper| ≤ 2·√(σ_run² + σ_paper²), each σ at least 1 % of the "
            "paper's value; at a scale other than paper the verdict is 'not comparable' (computed, in brackets).",
            f"'paper' = {citation(reference)}; 'paper (not reproduced here)': published numbers only.",
            f"{PARAMS}: trainable parameters in millions. Every run and protocol: {Path(runs_csv).name}.",
        ],
    )
    return frame
