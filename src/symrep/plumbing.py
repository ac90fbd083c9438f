"""How a rule job logs and writes its files, never what it computes: rule set-up, log lines, atomic writes.

The workflow's code fingerprints leave this module out (`symrep.codedeps.PLUMBING`): editing it reruns no job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("symrep")


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
