"""Rule hyperparameter_table: one of the main paper's Tables 7-10, from config beside the paper's values."""

from pathlib import Path

from symrep.plumbing import rule_context
from symrep.report.hyperparams import render

with rule_context(snakemake):
    render(
        snakemake.wildcards.table,
        snakemake.params.settings,
        snakemake.input.reference,
        Path(snakemake.output[0]).with_suffix(""),
        snakemake.params.scale,
    )
