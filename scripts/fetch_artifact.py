"""Rule fetch: copy one artifact from a mirror or download it, verified by MD5."""

from symrep.data.fetch import fetch
from symrep.plumbing import rule_context

with rule_context(snakemake):
    source = snakemake.params.source
    fetch(
        snakemake.wildcards.artifact,
        source["md5"],
        snakemake.output[0],
        mirrors=source["mirrors"],
        urls=source["urls"],
    )
