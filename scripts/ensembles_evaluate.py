"""Rule ensembles_evaluate: members and bootstrapped ensembles of one run on whole group orbits."""

from symrep.experiments.ensembles.evaluate import evaluate
from symrep.plumbing import rule_context

with rule_context(snakemake):
    evaluate(
        snakemake.params.settings,
        list(snakemake.input.data),
        list(snakemake.input.ood),
        list(snakemake.input.weights),
        snakemake.output[0],
        device=snakemake.params.device,
        deterministic=snakemake.params.deterministic,
    )
