"""Rule ddmnist_figure6: two-digit examples under each group's augmentation (each C4 noise run)."""

from symrep.experiments.ddmnist.figures import figure6
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure6(snakemake.input.dataset, snakemake.params.rows, snakemake.output.png, snakemake.output.pdf)
