"""The reproduction summary: per table and protocol how many cells are reproduced, differ or are not
comparable, and every claim with its verdict (results/reproduction.{md,html} and the report's first page)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from symrep.plumbing import atomic_path
from symrep.report.claims import CLAIM_COLUMNS, evaluate, load_claims
from symrep.report.tables import to_markdown
from symrep.report.verdicts import DIFFERS, NO_PAPER, REPRODUCED

COUNTS = ["reproduced", "differs", "not interpretable", "not comparable", "no paper number", "cells"]
NOT_INTERPRETABLE = "not interpretable"  # learned matrices that are no representation (Tables 1-3)


def cell_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Per (table, protocol): reproduced / differs among comparable cells, not interpretable (counts of
    matrices that are no representation), not comparable (other scale; its own verdict is still shown in
    brackets in the table), no paper number, and all cells."""
    rows = []
    for (table, protocol), group in records.groupby(["table", "protocol"], sort=False):
        comparable = group["scale"] == "paper"
        judged = group["outcome"].isin([REPRODUCED, DIFFERS])
        rows.append(
            {
                "table": table,
                "protocol": protocol or "—",
                "reproduced": int((comparable & (group["outcome"] == REPRODUCED)).sum()),
                "differs": int((comparable & (group["outcome"] == DIFFERS)).sum()),
                "not interpretable": int(group["outcome"].str.startswith(NOT_INTERPRETABLE).sum()),
                "not comparable": int((~comparable & judged).sum()),
                "no paper number": int((group["outcome"] == NO_PAPER).sum()),
                "cells": len(group),
            }
        )
    return pd.DataFrame(rows, columns=["table", "protocol", *COUNTS])


def read_verdicts(verdict_files: list[str | Path]) -> pd.DataFrame:
    """Every table's verdict records; a table without protocols (protocol "", which CSV reads back as NaN
    and groupby would drop) keeps protocol ""."""
    if not verdict_files:
        return pd.DataFrame()
    records = pd.concat([pd.read_csv(f, dtype={"protocol": str}) for f in verdict_files], ignore_index=True)
    records["protocol"] = records["protocol"].fillna("")
    return records


def write_summary(
    verdict_files: list[str | Path],
    reported_files: list[str | Path],
    claims_file: str | Path,
    enabled: list[str],
    scale: str,
    outputs: dict[str, str],
) -> None:
    """Write the summary as Markdown and HTML, and its two tables (cells, claims) as CSV."""
    records = read_verdicts(verdict_files)
    reported = (
        pd.concat([pd.read_csv(f) for f in reported_files], ignore_index=True)
        if reported_files
        else pd.DataFrame(columns=CLAIM_COLUMNS)
    )
    counts = (
        cell_counts(records) if not records.empty else pd.DataFrame(columns=["table", "protocol", *COUNTS])
    )
    claims = evaluate(load_claims(claims_file), records, reported, set(enabled), scale)
    with atomic_path(outputs["cells"]) as tmp:
        counts.to_csv(tmp, index=False)
    with atomic_path(outputs["claims"]) as tmp:
        claims.to_csv(tmp, index=False)
    title = "Reproduction summary"
    lead = f"Run at scale: **{scale}**. " + (
        "Every cell is judged by the verdict rule (docs/verdicts.md)."
        if scale == "paper"
        else "Not the paper's scale: no cell is comparable; each verdict is computed and shown in brackets in its table."
    )
    claim_table = claims[["id", "protocol", "outcome", "claim", "source", "detail"]]
    markdown = [f"# {title}", "", lead, "", "## Cells per table and protocol", "", to_markdown(counts), ""]
    markdown += ["## Claims", "", to_markdown(claim_table), ""]
    markdown += [
        "Tables: `results/tables/`; figures: `results/figures/`; per-cell verdicts: `results/verdicts/`.",
        "",
    ]
    with atomic_path(outputs["md"]) as tmp:
        tmp.write_text("\n".join(markdown))
    page = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{title}</title></head><body>",
        f"<h1>{title}</h1><p>{html.escape(lead).replace('**', '')}</p>",
        "<h2>Cells per table and protocol</h2>",
        counts.to_html(index=False, border=0),
        "<h2>Claims</h2>",
        claim_table.to_html(index=False, border=0),
        "</body></html>",
    ]
    with atomic_path(outputs["html"]) as tmp:
        tmp.write_text("\n".join(page) + "\n")
