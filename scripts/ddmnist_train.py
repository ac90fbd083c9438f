"""Rule ddmnist_train: train and evaluate one (group, model, seed) on DDMNIST."""

from symrep.experiments.ddmnist import train_run
from symrep.plumbing import rule_context

with rule_context(snakemake):
    train_run(
        snakemake.input.dataset,
        snakemake.params.settings,
        int(snakemake.wildcards.seed),
        device=snakemake.params.device,
        deterministic=snakemake.params.deterministic,
        checkpoint=snakemake.params.checkpoint,
        metrics=snakemake.output.metrics,
        history=snakemake.output.history,
        weights=snakemake.output.weights,
    )
