"""Rule ddmnist_table4: Table 4 beside the paper's rows with verdicts, and plain/augmented accuracy per model."""

from symrep.experiments.ddmnist.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    out = snakemake.output
    render(
        snakemake.params.runs,
        snakemake.input.reference,
        table=out.table,
        accuracy=out.accuracy,
        runs_csv=out.runs,
        verdicts_csv=out.verdicts,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
