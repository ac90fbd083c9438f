"""Rule medmnist3d_table5: Table 5 beside the paper's rows with verdicts, and per-run accuracy, AUC and rotated
accuracy."""

from symrep.experiments.medmnist3d.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    out = snakemake.output
    render(
        snakemake.params.runs,
        snakemake.input.reference,
        table=out.table,
        details=out.details,
        runs_csv=out.runs,
        verdicts_csv=out.verdicts,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
