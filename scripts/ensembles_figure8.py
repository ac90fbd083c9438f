"""Rule ensembles_figure8: Nordenfors & Flinth's invariance against ensemble size, from the summary."""

from symrep.experiments.ensembles.figures import render_figure8
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render_figure8(
        snakemake.input.summary,
        snakemake.output.png,
        snakemake.output.pdf,
        snakemake.params.scale,
    )
