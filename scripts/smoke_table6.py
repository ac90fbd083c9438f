"""Rule smoke_table6: Table 6 (Future/Domain RMSE, mean (std) over seeds) beside the paper's rows."""

from pathlib import Path

from symrep.experiments.smoke.report import table6
from symrep.plumbing import rule_context

with rule_context(snakemake):
    p = snakemake.params
    table6(
        list(snakemake.input.runs),
        snakemake.input.reference,
        Path(snakemake.output.table[0]).with_suffix(""),
        scale=p.scale,
        ddof=p.ddof,
        training=p.training,
    )
