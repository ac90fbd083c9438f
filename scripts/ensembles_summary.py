"""Rule ensembles_summary: Figure 8's numbers and Nordenfors & Flinth's claims checked against them."""

from pathlib import Path

from symrep.experiments.ensembles.report import render_nordenfors_flinth
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render_nordenfors_flinth(
        list(snakemake.input.evaluations),
        snakemake.input.reference,
        snakemake.output.summary,
        Path(snakemake.output.claims[0]).with_suffix(""),
        snakemake.params.scale,
        snakemake.params.ddof,
    )
