# Image inpainting (Huang, Levie & Villar, NeurIPS 2023; Villar's talk): the test MSE table.
# Per (dataset, seed) one draw of masks and split; per (dataset, grouping, seed) one training job. docs/inpainting.md
from symrep.experiments.inpainting.plan import InpaintingPlan

INPAINTING = register(InpaintingPlan(config))


rule inpainting_dataset:
    input:
        images=dataset_files,
    output:
        INPAINTING.DATASET,
    log:
        "logs/inpainting/dataset/{dataset}_seed{seed}.log",
    wildcard_constraints:
        dataset=INPAINTING.constraint("datasets"),
        seed=r"\d+",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/inpainting_dataset.py"),
        settings=INPAINTING.dataset_settings,
    script:
        "../scripts/inpainting_dataset.py"


rule inpainting_train:
    input:
        dataset=INPAINTING.DATASET,
    output:
        metrics=f"{INPAINTING.RUN}/metrics.json",
        history=f"{INPAINTING.RUN}/history.csv",
        weights=f"{INPAINTING.RUN}/model.pt",
    log:
        "logs/inpainting/train/{dataset}_{grouping}_seed{seed}.log",
    benchmark:
        "benchmarks/inpainting/{dataset}_{grouping}_seed{seed}.tsv"
    wildcard_constraints:
        dataset=INPAINTING.constraint("datasets"),
        grouping=INPAINTING.constraint("groupings"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=10 + INPAINTING.section["epochs"] // 30,  # minutes; trivial: ~0.5 s per epoch on a free core
        mem_mb=4000,
    params:
        **RUN,
        code=code("scripts/inpainting_train.py"),
        settings=INPAINTING.train_settings,
        checkpoint="checkpoints/inpainting/{dataset}_{grouping}_seed{seed}.ckpt",
    script:
        "../scripts/inpainting_train.py"


rule inpainting_table:
    input:
        runs=INPAINTING.metrics(),
        reference=repo_file("config/reference/inpainting.yaml"),
    output:
        table=report(
            multiext("results/tables/inpainting", ".csv", ".md", ".tex"),
            category="Inpainting",
        ),
        runs="results/inpainting/runs.csv",
        verdicts="results/verdicts/inpainting.csv",
    log:
        "logs/inpainting/table.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/inpainting_table.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/inpainting_table.py"


# `snakemake inpainting`: the inpainting table beside the talk's
rule inpainting:
    input:
        INPAINTING.targets(),
    localrule: True
