"""Run-time plumbing shared by every rule script: logging, threads, devices, seeds, atomic files.

torch is imported only where needed, so that data-fetching jobs start quickly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

log = logging.getLogger("symrep")


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA when present, else the CPU; 'cuda' without a GPU is an error."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device '{name}' requested but CUDA is not available on this machine")
    return torch.device(name)


def seed_everything(seed: int, deterministic: bool = False) -> torch.Generator:
    """Seed python, numpy and torch (CPU and CUDA); return a CPU generator for data order and augmentation.

    deterministic=True also makes torch refuse non-deterministic kernels (slower on GPU).
    """
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def configure_logging(stream=None) -> None:
    """One timestamped line per message on `stream` (default stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


@contextlib.contextmanager
def rule_context(smk) -> Iterator[None]:
    """Set up a rule script: log to snakemake.log[0], use the rule's threads (in torch, if the script
    uses it), log any failure in full."""
    log_file = open(smk.log[0], "w", buffering=1) if smk.log else None  # noqa: SIM115 (closed below)
    stdout, stderr = sys.stdout, sys.stderr
    if log_file:
        sys.stdout = sys.stderr = log_file
    configure_logging()
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(max(1, int(smk.threads)))
    try:
        yield
    except BaseException:
        log.exception("rule %s failed", smk.rule)
        raise
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        if log_file:
            log_file.close()
