"""Rule smoke_figure2: a plume and its quarter turns beside the plumes simulated with turned inflow."""

from symrep.experiments.smoke.figures import figure2
from symrep.plumbing import rule_context

with rule_context(snakemake):
    p = snakemake.params
    figure2(snakemake.input.check, snakemake.input.card, p.action, snakemake.output.png, snakemake.output.pdf)
