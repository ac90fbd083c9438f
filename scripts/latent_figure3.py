"""Rule latent_figure3: each enabled run's learned representation (per variant) in the basis that
block-diagonalises it."""

from symrep.experiments.latent.figures import figure3
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure3(
        [tuple(r) for r in snakemake.params.rows],
        list(snakemake.input.weights),
        snakemake.output.png,
        snakemake.output.pdf,
    )
