"""This run beside the paper: one long frame of cells in, the rendered table and its verdicts out.

Every table of the pipeline is built the same way. An experiment's report gives `cells`: one row per
(row keys, protocol, column) of this run, with `run_mean`, `run_std`, `runs` (seeds), `kind` (the metric,
for the verdict rule's floor) and the paper's `paper_mean`/`paper_std` for the same row and column (NaN
when the paper has none), plus `paper_only`: the paper's rows this pipeline does not reproduce. Cells
of kind `info` (e.g. parameter counts) are shown as plain numbers, without a verdict. `beside`
returns the table to render (this run's rows, each labelled with its protocol and followed by a verdict
per column, then the paper's row) and the verdict records (one per cell) that the reproduction summary
counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from symrep.report.aggregate import mean_std
from symrep.report.verdicts import mean_verdict

THIS_RUN, PAPER, PAPER_ONLY = "this run", "paper", "paper (not reproduced here)"
INFO = "info"  # a cell shown without a verdict
CELL_COLUMNS = ("protocol", "column", "kind", "run_mean", "run_std", "runs", "paper_mean", "paper_std")


def verdict_records(cells: pd.DataFrame, keys: Sequence[str], table: str, scale: str) -> pd.DataFrame:
    """One record per judged cell of this run: its numbers, the paper's, Δ, the bound and the verdict."""
    rows = []
    for cell in cells[cells["kind"] != INFO].to_dict("records"):
        paper_mean = cell["paper_mean"] if not pd.isna(cell["paper_mean"]) else None
        paper_std = cell["paper_std"] if not pd.isna(cell["paper_std"]) else None
        v = mean_verdict(cell["run_mean"], cell["run_std"], paper_mean, paper_std, cell["kind"], scale)
        rows.append(
            {
                "table": table,
                "row": " / ".join(str(cell[k]) for k in keys),
                **{k: cell[k] for k in (*keys, *CELL_COLUMNS)},
                "delta": v.delta,
                "bound": v.bound,
                "outcome": v.outcome,
                "scale": scale,
                "verdict": v.label,
            }
        )
    return pd.DataFrame(rows)


def beside(
    cells: pd.DataFrame,
    paper_only: pd.DataFrame,
    keys: Sequence[str],
    *,
    table: str,
    scale: str,
    row_order: Sequence[tuple] | None = None,
    column_order: Sequence[str] | None = None,
    digits: int = 3,
    info_digits: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rendered table, verdict records). `keys` name a row (e.g. ["model"]); `paper_only` has the keys,
    `column`, `paper_mean` and `paper_std` of the paper's rows that no run reproduces; `row_order` lists
    row keys in the paper's order (unlisted rows go last)."""
    keys = list(keys)
    records = verdict_records(cells, keys, table, scale)
    verdicts = {
        (*(r[k] for k in keys), r["protocol"], r["column"]): r["verdict"] for r in records.to_dict("records")
    }
    info_columns = set(cells.loc[cells["kind"] == INFO, "column"])
    columns = list(column_order or dict.fromkeys([*cells["column"], *paper_only.get("column", [])]))

    def shown(mean, std, column):
        return mean_std(mean, std, digits) if column not in info_columns else f"{mean:.{info_digits}f}"

    out = []
    for key, group in cells.groupby(keys + ["protocol"], sort=False):
        row = {**dict(zip(keys + ["protocol"], key)), "source": THIS_RUN}
        for r in group.to_dict("records"):
            row[r["column"]] = shown(r["run_mean"], r["run_std"], r["column"])
            if r["column"] not in info_columns:
                row[f"{r['column']} verdict"] = verdicts[(*key, r["column"])]
        out.append(row)
    papers = pd.concat(
        [cells.drop_duplicates(keys + ["column"]).assign(source=PAPER), paper_only.assign(source=PAPER_ONLY)]
    )
    for key, group in papers[papers["paper_mean"].notna()].groupby(keys + ["source"], sort=False):
        row = {**dict(zip(keys + ["source"], key)), "protocol": ""}
        for r in group.to_dict("records"):
            row[r["column"]] = shown(r["paper_mean"], r["paper_std"], r["column"])
        out.append(row)
    frame = pd.DataFrame(out)
    ordered = [*keys, "source", "protocol"]
    for column in columns:
        ordered += [c for c in (column, f"{column} verdict") if c in frame]
    frame = frame[ordered].fillna("")
    rank_of = {tuple(r): i for i, r in enumerate(row_order or [])}
    source_rank = {THIS_RUN: 0, PAPER: 1, PAPER_ONLY: 1}
    rank = [
        (rank_of.get(tuple(r[k] for k in keys), len(rank_of)), source_rank[r["source"]])
        for r in frame.to_dict("records")
    ]
    order = sorted(range(len(frame)), key=lambda i: rank[i])
    return frame.iloc[order].reset_index(drop=True), records
