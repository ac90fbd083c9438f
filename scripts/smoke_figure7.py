"""Rule smoke_figure7: a velocity field before and after the group action of each protocol."""

from symrep.experiments.smoke.figures import figure7
from symrep.plumbing import rule_context

with rule_context(snakemake):
    figure7(snakemake.input.check, snakemake.params.actions, snakemake.output.png, snakemake.output.pdf)
