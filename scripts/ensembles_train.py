"""Rule ensembles_train: one block of ensemble members, trained together as one batched model."""

from pathlib import Path

from symrep.experiments.ensembles.run import train_block
from symrep.plumbing import rule_context

with rule_context(snakemake):
    out = snakemake.output
    checkpoint = Path("checkpoints") / Path(out.weights).parent.relative_to("results") / "fit.pt"
    train_block(
        snakemake.params.settings,
        list(snakemake.input.data),
        out.weights,
        out.metrics,
        out.history,
        str(checkpoint),
    )
