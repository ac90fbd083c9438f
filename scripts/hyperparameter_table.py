"""Rule hyperparameter_table: one of the main paper's Tables 7-10, from config beside the paper's values."""

from pathlib import Path

from symrep.report.hyperparams import render
from symrep.runtime import rule_context

with rule_context(snakemake):
    render(
        snakemake.wildcards.table,
        snakemake.params.settings,
        snakemake.input.reference,
        Path(snakemake.output[0]).with_suffix(""),
        snakemake.params.scale,
    )
