"""Rule dataset_summary: load a fetched dataset with its official splits and write its data card."""

from symrep.data.summary import summarize
from symrep.files import write_json
from symrep.plumbing import rule_context

with rule_context(snakemake):
    write_json(snakemake.output[0], summarize(snakemake.wildcards.dataset, list(snakemake.input.files)))
