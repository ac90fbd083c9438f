"""Rule latent_figure4: the eigenvalues of the learned D3 rotation during training, one row per variant
and one panel per seed."""

from symrep.experiments.latent.figures import figure4
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure4(
        list(snakemake.params.variants),
        list(snakemake.input.eigenvalues),
        list(snakemake.input.weights),
        snakemake.output.png,
        snakemake.output.pdf,
    )
