"""Write a table as CSV, Markdown and LaTeX (booktabs), with a title, the scale and notes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from symrep.plumbing import atomic_path

_LATEX_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_escape(text: object) -> str:
    return "".join(_LATEX_ESCAPES.get(c, c) for c in str(text))


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def to_markdown(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def to_latex(frame: pd.DataFrame, caption: str) -> str:
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{latex_escape(caption)}}}",
        r"\begin{tabular}{" + "l" * len(frame.columns) + "}",
        r"\toprule",
        " & ".join(latex_escape(c) for c in frame.columns) + r" \\",
        r"\midrule",
    ]
    lines += [
        " & ".join(latex_escape(_cell(v)) for v in row) + r" \\" for row in frame.itertuples(index=False)
    ]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_table(
    frame: pd.DataFrame,
    outputs: str | Path | Sequence[str | Path],
    *,
    title: str,
    scale: str,
    notes: Sequence[str] = (),
) -> None:
    """Write `<stem>`.csv, .md and .tex; `outputs` is the stem or the three files (a rule's multiext output).
    `scale` states the configuration the numbers came from."""
    stem = Path(outputs if isinstance(outputs, (str, Path)) else outputs[0]).with_suffix("")
    caption = f"{title} Run at scale: {scale}."
    with atomic_path(stem.with_suffix(".csv")) as tmp:
        frame.to_csv(tmp, index=False)
    markdown = [f"## {title}", "", f"Run at scale: **{scale}**.", "", to_markdown(frame), ""]
    markdown += [f"- {note}" for note in notes]
    with atomic_path(stem.with_suffix(".md")) as tmp:
        tmp.write_text("\n".join(markdown).rstrip() + "\n")
    with atomic_path(stem.with_suffix(".tex")) as tmp:
        tmp.write_text(to_latex(frame, caption + (" " + " ".join(notes) if notes else "")))
