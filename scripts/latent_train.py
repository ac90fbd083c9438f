"""Rule latent_train: one run (experiment x seed) of the learned-latent-representation experiments."""

from symrep.experiments.latent.run import train_run
from symrep.plumbing import rule_context
from symrep.runs import RunJob

with rule_context(snakemake):
    train_run(RunJob.from_rule(snakemake))
