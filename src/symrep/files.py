"""Reading and writing run results: JSON, CSV histories, model weights, run fingerprints."""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from symrep.plumbing import atomic_path


def fingerprint(settings: Any) -> str:
    """A stable digest of JSON-like settings (used to recognise a resumable checkpoint)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def environment() -> dict[str, str]:
    """Versions that matter for reproducing a number."""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda or "none",
        "device_name": torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else platform.processor() or platform.machine(),
    }


def write_json(path: str | Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=float) + "\n")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def write_csv(path: str | Path, rows: list[dict] | pd.DataFrame) -> None:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_weights(path: str | Path, model: torch.nn.Module, **extra: Any) -> None:
    with atomic_path(path) as tmp:
        torch.save({"model": model.state_dict(), **extra}, tmp)
