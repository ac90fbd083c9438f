"""Rule latent_tmnist_glyphs: the TMNIST digit glyphs of two fonts, rebuilt from font files or read from the CSV."""

from symrep.data.tmnist import build_glyphs, save_glyphs
from symrep.runtime import rule_context

with rule_context(snakemake):
    csv = snakemake.params.csv
    glyphs = build_glyphs(snakemake.params.fonts, files=list(snakemake.input.sources), csv=csv)
    save_glyphs(snakemake.output[0], glyphs, snakemake.params.fonts, csv or "font files")
