"""Rule pendulum_dataset: integrate the double pendulum's trajectories (train/val chunks, test rollouts)."""

from symrep.experiments.pendulum.data import make_dataset
from symrep.plumbing import rule_context

with rule_context(snakemake):
    make_dataset(snakemake.params.settings, snakemake.output[0])
