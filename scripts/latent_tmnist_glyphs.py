"""Rule latent_tmnist_glyphs: the TMNIST digit glyphs of two fonts, rebuilt from font files or read from the CSV."""

from symrep.experiments.latent.glyphs import build_glyphs, save_glyphs
from symrep.plumbing import rule_context

with rule_context(snakemake):
    sources, fonts = list(snakemake.input.sources), snakemake.params.fonts
    csv = sources[0] if snakemake.params.from_csv else None
    save_glyphs(snakemake.output[0], build_glyphs(fonts, files=sources, csv=csv), fonts, csv or "font files")
