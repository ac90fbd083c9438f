"""Rule pendulum_train: train and test one (dynamics, model, seed) on the double pendulum."""

from symrep.experiments.pendulum.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
