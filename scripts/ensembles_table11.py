"""Rule ensembles_table11: Gerken & Kessel's OSP table beside the talk's numbers, and the claim check."""

from pathlib import Path

from symrep.experiments.ensembles.report import render_gerken_kessel
from symrep.plumbing import rule_context

with rule_context(snakemake):
    out = snakemake.output
    render_gerken_kessel(
        list(snakemake.input.evaluations),
        snakemake.input.reference,
        Path(out.table[0]).with_suffix(""),
        Path(out.claims[0]).with_suffix(""),
        out.accuracy,
        snakemake.params.settings,
        snakemake.params.scale,
        snakemake.params.ddof,
    )
