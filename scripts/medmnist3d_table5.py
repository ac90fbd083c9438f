"""Rule medmnist3d_table5: Table 5 beside the paper's rows, and per-run accuracy, AUC and rotated accuracy."""

from pathlib import Path

from symrep.experiments.medmnist3d.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        list(snakemake.input.runs),
        snakemake.input.reference,
        table_stem=Path(snakemake.output.table[0]).with_suffix(""),
        details_stem=Path(snakemake.output.details[0]).with_suffix(""),
        runs_csv=snakemake.output.runs,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
