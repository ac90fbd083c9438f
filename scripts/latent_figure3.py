"""Rule latent_figure3: each enabled run's learned representation in the basis that block-diagonalises it."""

from symrep.experiments.latent.figures import figure3
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure3(
        dict(zip(snakemake.params.runs, snakemake.input.weights)),
        snakemake.output.png,
        snakemake.output.pdf,
    )
