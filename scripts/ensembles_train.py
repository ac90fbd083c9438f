"""Rule ensembles_train: one block of ensemble members, trained together as one batched model."""

from symrep.experiments.ensembles.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
