# SMOKE (main paper §6.3, appendix C.3): Table 6 and Figures 2, 7. Smoke plumes generated with PhiFlow
# in one job; per (variant, model, seed) one training job of autoregressive prediction, tested under every
# protocol it serves. docs/smoke.md
from symrep.experiments.smoke.plan import SmokePlan

SMOKE = register(SmokePlan(config))


rule smoke_generate:
    output:
        sims=SMOKE.simulations(),
        check=SMOKE.CHECK,
        card=SMOKE.CARD,
    log:
        "logs/smoke/generate.log",
    conda:
        "../envs/symrep.yaml"
    threads: 2
    resources:
        runtime=60,
        mem_mb=8000,
    params:
        code=code("scripts/smoke_generate.py"),
        generator=SMOKE.section["generator"],
        tasks=SMOKE.rotation_set(),
    script:
        "../scripts/smoke_generate.py"


rule smoke_train:
    input:
        train=SMOKE.task_files("train"),
        domain=SMOKE.task_files("test_domain"),
    output:
        metrics=f"{SMOKE.RUN}/metrics.json",
        history=f"{SMOKE.RUN}/history.csv",
        weights=f"{SMOKE.RUN}/model.pt",
    log:
        "logs/smoke/train/{variant}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/smoke/{variant}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        variant=SMOKE.variant_constraint(),
        model=SMOKE.constraint("models"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=720,
        mem_mb=16000,
    params:
        **RUN,
        code=code("scripts/smoke_train.py"),
        settings=SMOKE.train_settings,
        checkpoint="checkpoints/smoke/{variant}_{model}_seed{seed}.ckpt",
    script:
        "../scripts/smoke_train.py"


rule smoke_table6:
    input:
        runs=SMOKE.metrics(),
        reference=repo_file("config/reference/table6.yaml"),
    output:
        table=report(
            multiext("results/tables/table6", ".csv", ".md", ".tex"),
            category="SMOKE",
        ),
        runs=SMOKE.TABLE_RUNS,
        verdicts=SMOKE.VERDICTS,
    log:
        "logs/smoke/table6.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/smoke_table6.py"),
        runs=SMOKE.table_runs(),
        scale=config["scale"],
        ddof=config["std_ddof"],
        training=SMOKE.section["training"],
    script:
        "../scripts/smoke_table6.py"


rule smoke_figure2:
    input:
        check=SMOKE.CHECK,
        card=SMOKE.CARD,
    output:
        png=report("results/figures/figure2.png", category="SMOKE"),
        pdf="results/figures/figure2.pdf",
    log:
        "logs/smoke/figure2.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/smoke_figure2.py"),
        action=SMOKE.options("described")["action"],
    script:
        "../scripts/smoke_figure2.py"


rule smoke_figure7:
    input:
        check=SMOKE.CHECK,
    output:
        png=report("results/figures/figure7.png", category="SMOKE"),
        pdf="results/figures/figure7.pdf",
    log:
        "logs/smoke/figure7.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/smoke_figure7.py"),
        actions=SMOKE.figure_actions(),
    script:
        "../scripts/smoke_figure7.py"


# `snakemake smoke`: Table 6 with its verdicts and runs, Figures 2 and 7, the data card
rule smoke:
    input:
        SMOKE.targets(),
    localrule: True
