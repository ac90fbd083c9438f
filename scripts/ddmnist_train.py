"""Rule ddmnist_train: train and evaluate one (group, model, seed) on DDMNIST."""

from symrep.experiments.ddmnist.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
