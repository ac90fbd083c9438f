"""Rule pendulum_table: the rollout-error table and its verdicts beside the talk's, per-model details, runs."""

from pathlib import Path

from symrep.experiments.pendulum.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        snakemake.params.runs,
        snakemake.input.reference,
        table_stem=Path(snakemake.output.table[0]).with_suffix(""),
        details_stem=Path(snakemake.output.details[0]).with_suffix(""),
        runs_csv=snakemake.output.runs,
        verdicts_csv=snakemake.output.verdicts,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
