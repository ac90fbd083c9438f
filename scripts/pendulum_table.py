"""Rule pendulum_table: the rollout-error table beside the talk's, per-model details, one row per run."""

from pathlib import Path

from symrep.experiments.pendulum.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        list(snakemake.input.runs),
        snakemake.input.reference,
        table_stem=Path(snakemake.output.table[0]).with_suffix(""),
        details_stem=Path(snakemake.output.details[0]).with_suffix(""),
        runs_csv=snakemake.output.runs,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
