"""Rule ensembles_figures: Nordenfors & Flinth's figures (8: ensemble size, 9: epochs) and claim check."""

from pathlib import Path

from symrep.experiments.ensembles.report import render_nordenfors_flinth
from symrep.plumbing import rule_context

with rule_context(snakemake):
    out = snakemake.output
    render_nordenfors_flinth(
        list(snakemake.input.evaluations),
        snakemake.input.reference,
        out.summary,
        tuple(out.figure8),
        tuple(out.figure9) if "figure9" in out.keys() else None,  # noqa: SIM118 (a Namedlist: `in` tests values)
        Path(out.claims[0]).with_suffix(""),
        snakemake.params.scale,
        snakemake.params.ddof,
    )
