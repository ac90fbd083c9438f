"""Shared test helpers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MIRROR = (REPO / ".." / "shared" / "data" / "mirror").resolve()


def snakemake(*args: str, cwd: Path = REPO, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the pipeline's Snakemake with this interpreter; output captured as text."""
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


needs_shared_mirror = pytest.mark.skipif(not (SHARED_MIRROR / "mnist").is_dir(),
                                         reason=f"no data mirror at {SHARED_MIRROR}")
