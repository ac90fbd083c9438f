"""Rule ddmnist_dataset: sample one seed's DDMNIST digit pairs (train/val/test) from MNIST."""

from symrep.experiments.ddmnist.data import make_dataset
from symrep.plumbing import rule_context

with rule_context(snakemake):
    make_dataset(
        list(snakemake.input.mnist),
        snakemake.params.sizes,
        int(snakemake.wildcards.seed),
        snakemake.output[0],
    )
