"""Rule latent_null: the null baseline of Table 1, 2 or 3 (its residual bins and threshold)."""

from symrep.experiments.latent.report import write_null
from symrep.plumbing import rule_context

with rule_context(snakemake):
    write_null(snakemake.wildcards.table, snakemake.params.dim, snakemake.output[0])
