"""Aggregate per-seed results to mean and standard deviation.

Convention: population standard deviation (ddof = 0) by default, as PSCNN's and Nordenfors &
Flinth's result scripts compute it (`np.std`); `ddof=1` gives the sample standard deviation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json


def aggregate(frame: pd.DataFrame, by: list[str], values: list[str], ddof: int = 0) -> pd.DataFrame:
    """One row per group of `by`: `<v>_mean`, `<v>_std` for each value column, and `n` (runs)."""
    grouped = frame.groupby(by, sort=False, dropna=False)
    out = grouped[values].mean().add_suffix("_mean")
    std = grouped[values].std(ddof=ddof).add_suffix("_std").fillna(0.0)
    out = out.join(std)
    out["n"] = grouped.size()
    return out.reset_index()


def mean_std(mean: float, std: float, digits: int = 3) -> str:
    """The papers' 'mean (std)' cell format; empty for a missing mean, std 0 when missing."""
    if mean is None or pd.isna(mean):
        return ""
    return f"{mean:.{digits}f} ({0.0 if std is None or pd.isna(std) else std:.{digits}f})"


def mean_std_cells(stats: pd.DataFrame, value: str, digits: int = 3) -> list[str]:
    """'mean (std)' cells of one value column of `aggregate`'s output."""
    return [mean_std(m, s, digits) for m, s in zip(stats[f"{value}_mean"], stats[f"{value}_std"])]


def metrics_frame(metrics_files: list[str | Path], columns: list[str]) -> pd.DataFrame:
    """One row per run: the `columns` of each training job's metrics.json (experiments without protocols)."""
    return pd.DataFrame([{k: read_json(f)[k] for k in columns} for f in metrics_files])


def collect_runs(runs: list[tuple[str, str | Path]], columns: list[str]) -> pd.DataFrame:
    """One row per (protocol, run) from [protocol, results/<experiment>/<variant>/.../metrics.json] pairs (a
    plan's `protocol_runs`): the protocol, the run's variant (its protocol, or common: then it appears
    under each protocol) and the metrics' `columns`."""
    return pd.DataFrame(
        [
            {"protocol": protocol, "variant": Path(file).parts[2], **{k: read_json(file)[k] for k in columns}}
            for protocol, file in runs
        ]
    )
