"""Rule latent_table: Table 1, 2 or 3 of the main paper from this run's metrics, beside the paper's rows."""

from pathlib import Path

from symrep.experiments.latent.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        snakemake.wildcards.table,
        list(snakemake.input.metrics),
        snakemake.input.reference,
        Path(snakemake.output.table[0]).with_suffix(""),
        snakemake.params.scale,
        snakemake.params.ddof,
    )
