"""Rule ensembles_table11: Gerken & Kessel's OSP table beside the talk's numbers, with its verdicts."""

from pathlib import Path

from symrep.experiments.ensembles.report import render_gerken_kessel
from symrep.plumbing import rule_context

with rule_context(snakemake):
    out = snakemake.output
    render_gerken_kessel(
        snakemake.params.runs,
        snakemake.input.reference,
        Path(out.table[0]).with_suffix(""),
        out.verdicts,
        out.accuracy,
        snakemake.params.settings,
        snakemake.params.scale,
        snakemake.params.ddof,
    )
