"""Rule smoke_table6: Table 6 beside the paper's rows, a protocol per row and a verdict per cell."""

from symrep.experiments.smoke.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    p, out = snakemake.params, snakemake.output
    render(
        p.runs,
        snakemake.input.reference,
        table=out.table,
        runs_csv=out.runs,
        verdicts_csv=out.verdicts,
        scale=p.scale,
        ddof=p.ddof,
        training=p.training,
    )
