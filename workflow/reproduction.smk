# The reproduction summary: every table's verdicts per protocol and every claim of the papers, judged on
# this run (results/reproduction.{md,html}; the first page of `snakemake --report`). Included last.
rule reproduction:
    input:
        verdicts=[f for plan in enabled_plans() for f in plan.verdict_files()],
        reported=[f for plan in enabled_plans() for f in plan.claim_files()],
        claims=repo_file("config/reference/claims.yaml"),
    output:
        md="results/reproduction.md",
        html=report("results/reproduction.html", category="Reproduction summary"),
        cells=report("results/reproduction/cells.csv", category="Reproduction summary"),
        claims=report(
            "results/reproduction/claims.csv", category="Reproduction summary"
        ),
    log:
        "logs/report/reproduction.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/reproduction.py"),
        enabled=[plan.name for plan in enabled_plans()],
        scale=config["scale"],
    script:
        "../scripts/reproduction.py"
