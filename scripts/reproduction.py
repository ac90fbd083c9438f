"""Rule reproduction: the summary of every verdict and claim of this run."""

from symrep.plumbing import rule_context
from symrep.report.summary import write_summary

with rule_context(snakemake):
    write_summary(
        list(snakemake.input.verdicts),
        list(snakemake.input.reported),
        snakemake.input.claims,
        snakemake.params.enabled,
        snakemake.params.scale,
        dict(snakemake.output.items()),
    )
