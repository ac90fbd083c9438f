"""Rule medmnist3d_train: train and evaluate one (dataset, model, seed) on MedMNIST3D."""

from symrep.experiments.medmnist3d.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
