"""Rule latent_table: Table 1, 2 or 3 of the main paper from this run's metrics, beside the paper's rows,
with the verdict records and the claim of the table."""

from symrep.experiments.latent.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        snakemake.wildcards.table,
        [tuple(r) for r in snakemake.params.runs],
        snakemake.input.reference,
        snakemake.input.null,
        outputs=list(snakemake.output.table),
        verdicts_csv=snakemake.output.verdicts,
        claims_csv=snakemake.output.claims,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
