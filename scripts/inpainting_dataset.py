"""Rule inpainting_dataset: draw one (dataset, seed)'s images, masks and train/validation split."""

from symrep.experiments.inpainting.data import make_dataset
from symrep.plumbing import rule_context

with rule_context(snakemake):
    make_dataset(
        list(snakemake.input.images),
        snakemake.params.settings,
        int(snakemake.wildcards.seed),
        snakemake.output[0],
    )
