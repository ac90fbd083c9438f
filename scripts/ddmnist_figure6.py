"""Rule ddmnist_figure6: two-digit examples under each group's augmentation."""

from symrep.plumbing import rule_context
from symrep.report.ddmnist_figure import figure6

with rule_context(snakemake):
    figure6(
        snakemake.input.dataset,
        snakemake.params.groups,
        snakemake.params.c4_augmentation,
        snakemake.output.png,
        snakemake.output.pdf,
    )
