"""Compare two results/ trees of the pipeline, ignoring wall-clock figures: the check that a refactor
changed no number.

    python tools/compare_results.py OLD_RESULTS NEW_RESULTS [--rename OLD=NEW ...]

CSV tables and histories are compared cell by cell (columns of timings and throughput skipped), JSON
metrics key by key (timings, throughput and the software environment skipped), weights (.pt) tensor by
tensor with torch.equal, Markdown/LaTeX line by line (lines naming timings skipped, and in a table whose
header names a timing, e.g. "train minutes", that column's cells). Prints every
difference and exits non-zero if there is one; a file present on one side only counts as a difference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pandas as pd
import torch

CLOCK = re.compile(
    r"(seconds|minutes|per_s|_per_second|per second|windows_per_s|throughput|environment)", re.I
)


def _tensors_equal(a, b, where: str, out: list[str]) -> None:
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (
            isinstance(a, torch.Tensor)
            and isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and torch.equal(a, b)
        ):
            out.append(f"{where}: tensors differ")
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{where}/{k}: only on one side")
            else:
                _tensors_equal(a[k], b[k], f"{where}/{k}", out)
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            out.append(f"{where}: lengths {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _tensors_equal(x, y, f"{where}[{i}]", out)
    elif a != b and not (a != a and b != b):
        out.append(f"{where}: {a!r} vs {b!r}")


def _json_equal(a, b, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if CLOCK.search(k) or k == "resumed_from":
                continue
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only on one side")
            else:
                _json_equal(a[k], b[k], f"{where}.{k}", out)
    elif a != b:
        out.append(f"{where}: {a!r} vs {b!r}")


def _cells(line: str) -> list[str]:
    """A Markdown (|-separated) or LaTeX (&-separated) table row's cells; [] for other lines."""
    if line.startswith("|"):
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return [c.strip() for c in line.split("&")] if "&" in line else []


def _text_differences(a: list[str], b: list[str]) -> list[tuple[int, str, str]]:
    """Lines that differ, apart from lines naming timings and the timing columns of tables whose header
    names them (a header is a row with a timing cell; its columns hold until a blank line)."""
    out, clock_columns, width = [], set(), 0
    for i, (x, y) in enumerate(zip(a, b)):
        cells = _cells(x)
        if not x.strip():
            clock_columns, width = set(), 0
        elif cells and any(CLOCK.search(c) for c in cells):
            clock_columns, width = {j for j, c in enumerate(cells) if CLOCK.search(c)}, len(cells)
        if x == y or CLOCK.search(x):
            continue
        other = _cells(y)
        same_table = bool(clock_columns) and len(cells) == len(other) == width
        if same_table and all(p == q for j, (p, q) in enumerate(zip(cells, other)) if j not in clock_columns):
            continue
        out.append((i, x, y))
    return out


def compare_file(old: Path, new: Path) -> list[str]:
    out: list[str] = []
    if old.suffix == ".csv":
        a, b = pd.read_csv(old), pd.read_csv(new)
        keep = [c for c in a.columns if not CLOCK.search(c)]
        if list(b.columns[[not CLOCK.search(c) for c in b.columns]]) != keep:
            return [f"{new}: columns {list(a.columns)} vs {list(b.columns)}"]
        if not a[keep].equals(b[keep]):
            diff = (a[keep] != b[keep]) & ~(a[keep].isna() & b[keep].isna())
            out.append(f"{new}: cells differ in columns {list(diff.columns[diff.any()])}")
    elif old.suffix == ".json":
        _json_equal(json.loads(old.read_text()), json.loads(new.read_text()), str(new), out)
    elif old.suffix == ".pt":
        _tensors_equal(
            torch.load(old, weights_only=False), torch.load(new, weights_only=False), str(new), out
        )
    elif old.suffix in (".md", ".tex"):
        a, b = old.read_text().splitlines(), new.read_text().splitlines()
        if len(a) != len(b):
            out.append(f"{new}: {len(a)} vs {len(b)} lines")
        else:
            out += [f"{new}:{i + 1}: {x!r} vs {y!r}" for i, x, y in _text_differences(a, b)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument(
        "--rename", action="append", default=[], help="OLD=NEW: a path moved between the trees"
    )
    args = parser.parse_args()
    renames = dict(r.split("=", 1) for r in args.rename)
    differences, compared = [], 0
    old_files = {p.relative_to(args.old).as_posix() for p in args.old.rglob("*") if p.is_file()}
    new_files = {p.relative_to(args.new).as_posix() for p in args.new.rglob("*") if p.is_file()}
    for rel in sorted(old_files):
        target = rel
        for a, b in renames.items():
            target = target.replace(a, b)
        if target not in new_files:
            differences.append(f"{rel}: missing in {args.new}")
            continue
        new_files.discard(target)
        if Path(rel).suffix in (".png", ".pdf"):
            continue
        compared += 1
        differences += compare_file(args.old / rel, args.new / target)
    differences += [f"{rel}: only in {args.new}" for rel in sorted(new_files)]
    print(
        "\n".join(differences)
        if differences
        else f"identical: {compared} files (figures and wall-clock figures aside)"
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
