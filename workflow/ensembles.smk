# Ensembles under data augmentation (docs/ensembles.md): members trained in blocks as one batched model,
# evaluated on whole group orbits; Nordenfors & Flinth (figures 8, 9, claims) and Gerken & Kessel (table 11).
# Paths carry the variant: a protocol, or common (a training run the protocols share).
from symrep.experiments.ensembles.plan import SUB_EXPERIMENTS, WILDCARDS, EnsemblePlan

# the plans by their `sub` wildcard
ENSEMBLES = {plan.sub: register(plan(config)) for plan in SUB_EXPERIMENTS}
NORDENFORS_FLINTH = ENSEMBLES["nordenfors_flinth"]
GERKEN_KESSEL = ENSEMBLES["gerken_kessel"]


rule ensembles_train:
    input:
        data=lambda wc: raw(ENSEMBLES[wc.sub].section["dataset"]),
    output:
        weights=f"{EnsemblePlan.BLOCK}/weights.pt",
        metrics=f"{EnsemblePlan.BLOCK}/metrics.json",
        history=f"{EnsemblePlan.BLOCK}/history.csv",
    log:
        "logs/ensembles/{sub}/{variant}/{group}/{architecture}/train_block{block}.log",
    wildcard_constraints:
        **WILDCARDS,
        block=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=240,
        mem_mb=16000,
    params:
        **RUN,
        code=code("scripts/ensembles_train.py"),
        settings=lambda wc: ENSEMBLES[wc.sub].train_settings(wc),
        checkpoint="checkpoints/ensembles/{sub}/{variant}/{group}/{architecture}/block{block}.ckpt",
    script:
        "../scripts/ensembles_train.py"


rule ensembles_evaluate:
    input:
        data=lambda wc: raw(ENSEMBLES[wc.sub].section["dataset"]),
        ood=lambda wc: (
            raw(ENSEMBLES[wc.sub].section["ood_dataset"])
            if ENSEMBLES[wc.sub].section["ood_dataset"]
            else []
        ),
        weights=lambda wc: ENSEMBLES[wc.sub].weights(wc),
    output:
        f"{EnsemblePlan.RUN}/evaluation.csv",
    log:
        "logs/ensembles/{sub}/{variant}/{group}/{architecture}/evaluate.log",
    wildcard_constraints:
        **WILDCARDS,
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=120,
        mem_mb=16000,
    params:
        **RUN,
        code=code("scripts/ensembles_evaluate.py"),
        settings=lambda wc: ENSEMBLES[wc.sub].eval_settings(wc),
    script:
        "../scripts/ensembles_evaluate.py"


rule ensembles_summary:
    input:
        evaluations=NORDENFORS_FLINTH.evaluations(),
        claims=repo_file("config/reference/claims.yaml"),
    output:
        summary=NORDENFORS_FLINTH.SUMMARY,
        claims=NORDENFORS_FLINTH.CLAIMS,
        cases=multiext(
            "results/ensembles/nordenfors_flinth/claim_cases", ".csv", ".md", ".tex"
        ),
    log:
        "logs/ensembles/nordenfors_flinth/summary.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ensembles_summary.py"),
        runs=NORDENFORS_FLINTH.evaluation_runs(),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ensembles_summary.py"


rule ensembles_figure8:
    input:
        summary=NORDENFORS_FLINTH.SUMMARY,
    output:
        png=report("results/figures/figure8.png", category="Ensembles"),
        pdf="results/figures/figure8.pdf",
    log:
        "logs/ensembles/nordenfors_flinth/figure8.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ensembles_figure8.py"),
        scale=config["scale"],
    script:
        "../scripts/ensembles_figure8.py"


# a target only when epoch_curve_groups names a group
rule ensembles_figure9:
    input:
        evaluations=[f for _, f in NORDENFORS_FLINTH.curve_runs()],
    output:
        png=report("results/figures/figure9.png", category="Ensembles"),
        pdf="results/figures/figure9.pdf",
    log:
        "logs/ensembles/nordenfors_flinth/figure9.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ensembles_figure9.py"),
        runs=NORDENFORS_FLINTH.curve_runs(),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ensembles_figure9.py"


rule ensembles_table11:
    input:
        evaluations=GERKEN_KESSEL.evaluations(),
        reference=repo_file("config/reference/table11.yaml"),
    output:
        table=report(
            multiext("results/tables/table11", ".csv", ".md", ".tex"),
            category="Ensembles",
        ),
        verdicts=GERKEN_KESSEL.VERDICTS,
        accuracy="results/ensembles/gerken_kessel/accuracy.csv",
    log:
        "logs/ensembles/gerken_kessel/table11.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ensembles_table11.py"),
        runs=GERKEN_KESSEL.evaluation_runs(),
        settings=GERKEN_KESSEL.section,
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ensembles_table11.py"


# `snakemake ensembles`: Figures 8-9, the claims and Table 11 of the enabled parts
rule ensembles:
    input:
        [
            target
            for plan in ENSEMBLES.values()
            if plan.enabled
            for target in plan.targets()
        ],
    localrule: True
