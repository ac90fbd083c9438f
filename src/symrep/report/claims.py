"""The papers' qualitative claims, each checked on this run's results: holds, fails or not testable.

`config/reference/claims.yaml` quotes every claim with its source and names a predicate:

* ``greater`` / ``lower``: in `table`, the row `better` has a higher (lower) mean than the row `worse` (or
  than each of a list of rows) in every one of `columns`, per protocol, on this run's numbers;
* ``reported``: the experiment's own report decides (claims that need more than a table's means, e.g.
  ensemble curves); it writes `claim, protocol, outcome, detail` records that this module collects.

A claim is evaluated per protocol present in the results; it is `not testable` (with why) when its
experiment is disabled or the rows it needs are missing. At a scale other than `paper` the outcome reads
`not comparable (<scale>) [holds|fails]`: a quick run neither confirms nor refutes a paper.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

HOLDS, FAILS, NOT_TESTABLE = "holds", "fails", "not testable"
CLAIM_COLUMNS = ["claim", "protocol", "outcome", "detail"]


def load_claims(path: str | Path) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text())
    for claim in data["claims"]:
        missing = [k for k in ("id", "claim", "source", "experiment", "predicate") if k not in claim]
        if missing:
            raise ValueError(f"{path}: claim {claim.get('id', '?')} lacks {missing}")
    return data["claims"]


def _select(records: pd.DataFrame, row: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=records.index)
    for key, value in row.items():
        mask &= records[key].astype(str) == str(value) if key in records else False
    return records[mask]


def _compare(claim: dict, records: pd.DataFrame, sign: int) -> list[dict]:
    table = records[records["table"] == claim["table"]]
    if table.empty:
        return [{"protocol": "", "outcome": NOT_TESTABLE, "detail": f"{claim['table']} has no results"}]
    out = []
    worse_rows = claim["worse"] if isinstance(claim["worse"], list) else [claim["worse"]]
    for protocol, rows in table.groupby("protocol", sort=False):
        better = _select(rows, claim["better"])
        parts, ok = [], True
        for column, worse in ((c, w) for c in claim["columns"] for w in worse_rows):
            a = better[better["column"] == column]["run_mean"]
            b = _select(rows, worse)
            b = b[b["column"] == column]["run_mean"]
            if a.empty or b.empty:
                parts, ok = [f"{column}: a row is missing"], None
                break
            a, b = float(a.iloc[0]), float(b.iloc[0])
            ok &= sign * (a - b) > 0
            against = f" ({', '.join(map(str, worse.values()))})" if len(worse_rows) > 1 else ""
            parts.append(f"{column}: {a:.4g} vs {b:.4g}{against}")
        outcome = NOT_TESTABLE if ok is None else HOLDS if ok else FAILS
        out.append({"protocol": protocol, "outcome": outcome, "detail": "; ".join(parts)})
    return out


def _at_scale(outcome: str, scale: str) -> str:
    return outcome if scale == "paper" or outcome == NOT_TESTABLE else f"not comparable ({scale}) [{outcome}]"


def evaluate(
    claims: list[dict], records: pd.DataFrame, reported: pd.DataFrame, enabled: set[str], scale: str = "paper"
) -> pd.DataFrame:
    """One row per (claim, protocol): the claim, its source, the outcome and the numbers behind it."""
    rows = []
    for claim in claims:
        head = {k: claim[k] for k in ("id", "experiment", "claim", "source")}
        if claim["experiment"] not in enabled:
            rows.append({**head, "protocol": "", "outcome": NOT_TESTABLE, "detail": "experiment not run"})
            continue
        if claim["predicate"] in ("greater", "lower"):
            results = _compare(claim, records, 1 if claim["predicate"] == "greater" else -1)
        elif claim["predicate"] == "reported":
            mine = reported[reported["claim"] == claim["id"]] if "claim" in reported else reported
            results = mine.reindex(columns=CLAIM_COLUMNS[1:]).to_dict("records") or [
                {"protocol": "", "outcome": NOT_TESTABLE, "detail": "the experiment reported nothing"}
            ]
        else:
            raise ValueError(f"claim {claim['id']}: unknown predicate {claim['predicate']!r}")
        rows += [{**head, **r, "outcome": _at_scale(r["outcome"], scale)} for r in results]
    return pd.DataFrame(rows, columns=["id", "experiment", "claim", "source", *CLAIM_COLUMNS[1:]])
