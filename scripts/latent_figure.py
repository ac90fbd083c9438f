"""Rule latent_figure: Figure 3, 4 or 5 of the main paper from this run's results."""

from symrep.experiments.latent.figures import figure3, figure4, figure5
from symrep.plumbing import rule_context

with rule_context(snakemake):
    i, (png, pdf) = snakemake.input, snakemake.output
    figure = snakemake.wildcards.figure
    if figure == "figure3":
        figure3(dict(zip(snakemake.params.runs, i.weights)), png, pdf)
    elif figure == "figure4":
        figure4(list(i.eigenvalues), list(i.weights), png, pdf)
    else:
        figure5(i.glyphs, snakemake.params.settings, png, pdf)
