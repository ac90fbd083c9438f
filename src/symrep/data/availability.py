"""Before any job starts: can every dataset the enabled experiments read be had?"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from symrep.config import ConfigError
from symrep.data.catalog import DATASETS, artifacts_of
from symrep.data.fetch import mirror_candidates


def check_datasets(
    needed: Iterable[str], data: dict[str, Any], raw_dir: str | Path, generated: Iterable[str] = ()
) -> None:
    """Every dataset an enabled experiment needs must be known; offline (`download: false`), each of
    its files must already be in `raw_dir` or in a mirror, or be `generated` by a rule (test fixtures).
    Raises one ConfigError listing all problems."""
    generated = set(generated)
    problems = []
    for name in sorted(set(needed)):
        if name not in DATASETS:
            problems.append(f"unknown dataset '{name}' (known: {', '.join(sorted(DATASETS))})")
            continue
        if data["download"]:
            continue
        for relpath in set(artifacts_of(name)) - generated:
            places = [Path(raw_dir) / relpath, *mirror_candidates(relpath, data["mirrors"])]
            if not any(p.is_file() for p in places):
                problems.append(
                    f"dataset '{name}': {relpath} is in none of "
                    f"{', '.join(map(str, places))} and data.download is false"
                )
    if problems:
        raise ConfigError("configuration names datasets that cannot be had:\n  - " + "\n  - ".join(problems))
