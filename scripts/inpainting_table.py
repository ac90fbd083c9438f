"""Rule inpainting_table: test MSE per dataset and grouping beside the talk's table."""

from symrep.experiments.inpainting.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        list(snakemake.input.runs),
        snakemake.input.reference,
        outputs=snakemake.output.table,
        runs_csv=snakemake.output.runs,
        verdicts_csv=snakemake.output.verdicts,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
