"""Rule fixtures: write the canonical-format stand-in files the .test configuration fetches."""

from symrep.data.fixtures import fixture_root, write_fixtures
from symrep.plumbing import rule_context

with rule_context(snakemake):
    write_fixtures(fixture_root(snakemake.output[0]))
