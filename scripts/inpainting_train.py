"""Rule inpainting_train: train and test one (dataset, grouping, seed) inpainting network."""

from symrep.experiments.inpainting.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
