"""Rule latent_train: one run (experiment x seed) of the learned-latent-representation experiments."""

from symrep.experiments.latent.run import train_run
from symrep.plumbing import rule_context

with rule_context(snakemake):
    p = snakemake.params
    train_run(
        snakemake.wildcards.run,
        p.settings,
        list(snakemake.input.data),
        seed=int(snakemake.wildcards.seed),
        device=p.device,
        deterministic=p.deterministic,
        trace_every=p.trace_every,
        checkpoint=p.checkpoint,
        outputs=dict(snakemake.output),
    )
