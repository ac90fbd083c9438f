"""Rule medmnist3d_train: train and evaluate one (dataset, model, seed) on MedMNIST3D."""

from symrep.experiments.medmnist3d import train_run
from symrep.plumbing import rule_context

with rule_context(snakemake):
    train_run(
        snakemake.input.npz,
        snakemake.wildcards.dataset,
        snakemake.params.settings,
        int(snakemake.wildcards.seed),
        device=snakemake.params.device,
        deterministic=snakemake.params.deterministic,
        checkpoint=snakemake.params.checkpoint,
        metrics=snakemake.output.metrics,
        history=snakemake.output.history,
        weights=snakemake.output.weights,
    )
