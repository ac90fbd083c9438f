"""Rule smoke_train: train one SMOKE model with one seed; test it on Future and Domain windows."""

from symrep.experiments.smoke.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
