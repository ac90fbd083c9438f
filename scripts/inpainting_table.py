"""Rule inpainting_table: test MSE per dataset and grouping beside the talk's table."""

from pathlib import Path

from symrep.experiments.inpainting.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        list(snakemake.input.runs),
        snakemake.input.reference,
        table_stem=Path(snakemake.output.table[0]).with_suffix(""),
        runs_csv=snakemake.output.runs,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
