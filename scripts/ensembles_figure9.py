"""Rule ensembles_figure9: whole ensembles and their members after every training epoch, per protocol."""

from symrep.experiments.ensembles.figures import render_figure9
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render_figure9(
        snakemake.params.runs,
        snakemake.output.png,
        snakemake.output.pdf,
        snakemake.params.scale,
        snakemake.params.ddof,
    )
