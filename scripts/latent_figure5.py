"""Rule latent_figure5: the TMNIST glyphs of the two fonts and augmented pairs."""

from symrep.experiments.latent.figures import figure5
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure5(snakemake.input.glyphs, snakemake.params.settings, snakemake.output.png, snakemake.output.pdf)
