# DDMNIST (main paper §6.1, appendix C.1): Table 4 and Figure 6 (Tables 8-9: workflow/report.smk).
# Per seed one dataset of digit pairs; per (group, model, seed) one training job. docs/ddmnist.md
from symrep.experiments.ddmnist.plan import DDMNISTPlan

DDMNIST = register(DDMNISTPlan(config))


rule ddmnist_dataset:
    input:
        mnist=raw(DDMNIST.section["dataset"]),
    output:
        DDMNIST.DATASET,
    log:
        "logs/ddmnist/dataset/seed{seed}.log",
    wildcard_constraints:
        seed=r"\d+",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ddmnist_dataset.py"),
        sizes=DDMNIST.dataset_sizes(),
    script:
        "../scripts/ddmnist_dataset.py"


rule ddmnist_train:
    input:
        dataset=DDMNIST.DATASET,
    output:
        metrics=f"{DDMNIST.RUN}/metrics.json",
        history=f"{DDMNIST.RUN}/history.csv",
        weights=f"{DDMNIST.RUN}/model.pt",
    log:
        "logs/ddmnist/train/{variant}_{group}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/ddmnist/{variant}_{group}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        variant=DDMNIST.variant_constraint(),
        group=DDMNIST.constraint("groups"),
        model=DDMNIST.constraint("models"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=15 + 2 * DDMNIST.section["max_epochs"],  # minutes; about 1 min per CPU epoch of Ours
        mem_mb=4000,
    params:
        **RUN,
        code=code("scripts/ddmnist_train.py"),
        settings=DDMNIST.train_settings,
        checkpoint="checkpoints/ddmnist/{variant}_{group}_{model}_seed{seed}.ckpt",
    script:
        "../scripts/ddmnist_train.py"


rule ddmnist_table4:
    input:
        runs=DDMNIST.metrics(),
        reference=repo_file("config/reference/table4.yaml"),
    output:
        table=report(
            multiext("results/tables/table4", ".csv", ".md", ".tex"),
            category="DDMNIST",
        ),
        accuracy=multiext("results/ddmnist/accuracy", ".csv", ".md", ".tex"),
        runs="results/ddmnist/runs.csv",
        verdicts="results/verdicts/table4.csv",
    log:
        "logs/ddmnist/table4.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ddmnist_table4.py"),
        runs=DDMNIST.table_runs(),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ddmnist_table4.py"


rule ddmnist_figure6:
    input:
        dataset=DDMNIST.figure6_dataset(),
    output:
        png=report("results/figures/figure6.png", category="DDMNIST"),
        pdf="results/figures/figure6.pdf",
    log:
        "logs/ddmnist/figure6.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ddmnist_figure6.py"),
        rows=DDMNIST.figure6_noises(),
    script:
        "../scripts/ddmnist_figure6.py"


# `snakemake ddmnist`: Table 4 and Figure 6
rule ddmnist:
    input:
        DDMNIST.targets(),
    localrule: True
