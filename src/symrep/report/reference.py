"""The papers' published numbers, from `config/reference/*.yaml` (each file cites its source)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

REQUIRED = ("paper", "source", "rows")


def load_reference(path: str | Path) -> dict:
    """A reference file: `paper`, `source` (where in the paper), optional `notes`, and `rows` (records)."""
    data = yaml.safe_load(Path(path).read_text())
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path}: reference file lacks {missing}")
    return data


def reference_frame(path: str | Path) -> pd.DataFrame:
    return pd.DataFrame(load_reference(path)["rows"])


def citation(path: str | Path) -> str:
    ref = load_reference(path)
    return f"{ref['paper']}, {ref['source']}"
