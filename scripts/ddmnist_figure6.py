"""Rule ddmnist_figure6: two-digit examples under each group's augmentation."""

from symrep.experiments.ddmnist.figures import figure6
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure6(
        snakemake.input.dataset,
        snakemake.params.groups,
        snakemake.params.c4_augmentation,
        snakemake.output.png,
        snakemake.output.pdf,
    )
