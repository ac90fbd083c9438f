"""Rule smoke_generate: simulate the SMOKE rotation set (and the symmetry-check plumes) with PhiFlow."""

from symrep.experiments.smoke.generate import Solver, generate
from symrep.files import write_json
from symrep.plumbing import rule_context

with rule_context(snakemake):
    gen = snakemake.params.generator
    solver = Solver(gen["solver_rel_tol"], gen["solver_abs_tol"], precision=gen["precision"])
    card = generate(
        snakemake.params.tasks,
        steps=gen["steps"],
        resolution=gen["resolution"],
        solver=solver,
        check_buoyancy=gen["check_buoyancy"],
        paths=snakemake.output.sims,
        check_path=snakemake.output.check,
    )
    write_json(snakemake.output.card, card)
