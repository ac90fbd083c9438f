"""Rule smoke_train: train one SMOKE model with one seed; test it on Future and Domain windows."""

from symrep.experiments.smoke_run import train_and_evaluate
from symrep.files import save_weights, write_csv, write_json
from symrep.plumbing import rule_context

with rule_context(snakemake):
    p = snakemake.params
    metrics, history, model = train_and_evaluate(
        p.run,
        int(snakemake.wildcards.seed),
        snakemake.input.train,
        snakemake.input.domain,
        checkpoint=p.checkpoint,
        device=p.device,
        deterministic=p.deterministic,
    )
    write_csv(snakemake.output.history, history)
    save_weights(snakemake.output.weights, model, run=p.run, seed=metrics["seed"])
    write_json(snakemake.output.metrics, metrics)
