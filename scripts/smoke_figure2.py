"""Rule smoke_figures: Figure 2 (plumes and their turned counterparts) and Figure 7 (the group action)."""

from symrep.plumbing import rule_context
from symrep.report.smoke import figure2, figure7

with rule_context(snakemake):
    out = snakemake.output
    figure2(snakemake.input.check, snakemake.input.card, out[0], out[1])
    figure7(snakemake.input.check, snakemake.params.action, out[2], out[3])
