"""Rule ensembles_summary: Figure 8's numbers and Nordenfors & Flinth's claims decided on them, per protocol."""

from pathlib import Path

from symrep.experiments.ensembles.report import render_nordenfors_flinth
from symrep.plumbing import rule_context

with rule_context(snakemake):
    render_nordenfors_flinth(
        snakemake.params.runs,
        snakemake.input.claims,
        snakemake.output.summary,
        snakemake.output.claims,
        Path(snakemake.output.cases[0]).with_suffix(""),
        snakemake.params.scale,
        snakemake.params.ddof,
    )
