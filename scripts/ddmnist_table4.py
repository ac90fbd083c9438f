"""Rule ddmnist_table4: Table 4 beside the paper's rows, and plain/augmented test accuracy per model."""

from pathlib import Path

from symrep.experiments.ddmnist.report import render
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render(
        list(snakemake.input.runs),
        snakemake.input.reference,
        table_stem=Path(snakemake.output.table[0]).with_suffix(""),
        accuracy_stem=Path(snakemake.output.accuracy[0]).with_suffix(""),
        runs_csv=snakemake.output.runs,
        scale=snakemake.params.scale,
        ddof=snakemake.params.ddof,
    )
