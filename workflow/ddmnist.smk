# DDMNIST (main paper §6.1, appendix C.1): Table 4 and Figure 6 (Tables 8-9: workflow/report.smk).
# Per seed one dataset of digit pairs; per (group, model, seed) one training job; docs/ddmnist.md.
from symrep.experiments import ddmnist_settings

DDMNIST = EXPERIMENTS["ddmnist"]
DDMNIST_RUN = "results/ddmnist/{group}/{model}/seed{seed}"


rule ddmnist_dataset:
    input:
        mnist=raw(DDMNIST["dataset"]),
    output:
        "resources/ddmnist/seed{seed}.pt",
    log:
        "logs/ddmnist/dataset/seed{seed}.log",
    wildcard_constraints:
        seed=r"\d+",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ddmnist_dataset.py"),
        sizes={
            "train": DDMNIST["train_per_class"],
            "val": DDMNIST["val_per_class"],
            "test": DDMNIST["test_per_class"],
        },
    script:
        "../scripts/ddmnist_dataset.py"


rule ddmnist_train:
    input:
        dataset=rules.ddmnist_dataset.output[0],
    output:
        metrics=f"{DDMNIST_RUN}/metrics.json",
        history=f"{DDMNIST_RUN}/history.csv",
        weights=f"{DDMNIST_RUN}/model.pt",
    log:
        "logs/ddmnist/train/{group}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/ddmnist/{group}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        group="C4|D1|D4",
        model="cnn|ours",
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=15 + 2 * DDMNIST["max_epochs"],  # minutes; about 1 min per CPU epoch of Ours
        mem_mb=4000,
    params:
        code=code("scripts/ddmnist_train.py"),
        settings=lambda w: ddmnist_settings.run_settings(DDMNIST, w.group, w.model),
        device=config["device"],
        deterministic=config["deterministic"],
        checkpoint="checkpoints/ddmnist/{group}_{model}_seed{seed}.ckpt",
    script:
        "../scripts/ddmnist_train.py"


rule ddmnist_table4:
    input:
        runs=expand(
            rules.ddmnist_train.output.metrics,
            group=DDMNIST["groups"],
            model=DDMNIST["models"],
            seed=config["seeds"],
        ),
        reference=repo_file("config/reference/table4.yaml"),
    output:
        table=report(
            multiext("results/tables/table4", ".csv", ".md", ".tex"),
            category="DDMNIST",
        ),
        accuracy=multiext("results/ddmnist/accuracy", ".csv", ".md", ".tex"),
        runs="results/ddmnist/runs.csv",
    log:
        "logs/ddmnist/table4.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ddmnist_table4.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ddmnist_table4.py"


rule ddmnist_figure6:
    input:
        dataset=f"resources/ddmnist/seed{config['seeds'][0]}.pt",
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
        groups=DDMNIST["groups"],
        c4_augmentation=DDMNIST["c4_augmentation"],
    script:
        "../scripts/ddmnist_figure6.py"


DDMNIST_TARGETS = [*rules.ddmnist_table4.output, *rules.ddmnist_figure6.output]
if DDMNIST["enabled"]:
    ddmnist_settings.check_section(DDMNIST)
    TARGETS += DDMNIST_TARGETS


# `snakemake ddmnist`: Table 4 and Figure 6
rule ddmnist:
    input:
        DDMNIST_TARGETS,
    localrule: True
