# MedMNIST3D (main paper §6.2, appendix C.2): Table 5 (Table 10: workflow/report.smk).
# Per (dataset, model, seed) one training job on the official npz; docs/medmnist3d.md.
from symrep.experiments import medmnist3d_settings

MEDMNIST3D = EXPERIMENTS["medmnist3d"]
MEDMNIST3D_RUN = "results/medmnist3d/{dataset}/{model}/seed{seed}"


rule medmnist3d_train:
    input:
        npz=lambda w: raw(w.dataset)[0],
    output:
        metrics=f"{MEDMNIST3D_RUN}/metrics.json",
        history=f"{MEDMNIST3D_RUN}/history.csv",
        weights=f"{MEDMNIST3D_RUN}/model.pt",
    log:
        "logs/medmnist3d/train/{dataset}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/medmnist3d/{dataset}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        dataset="nodulemnist3d|synapsemnist3d|organmnist3d",
        model="cnn|cnn_aug|ours",
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=30 + MEDMNIST3D["max_epochs"],  # minutes; well under a minute per GPU epoch
        mem_mb=8000,
    params:
        code=code("scripts/medmnist3d_train.py"),
        settings=lambda w: medmnist3d_settings.run_settings(
            MEDMNIST3D, w.dataset, w.model
        ),
        device=config["device"],
        deterministic=config["deterministic"],
        checkpoint="checkpoints/medmnist3d/{dataset}_{model}_seed{seed}.ckpt",
    script:
        "../scripts/medmnist3d_train.py"


rule medmnist3d_table5:
    input:
        runs=expand(
            rules.medmnist3d_train.output.metrics,
            dataset=MEDMNIST3D["datasets"],
            model=MEDMNIST3D["models"],
            seed=config["seeds"],
        ),
        reference=repo_file("config/reference/table5.yaml"),
    output:
        table=report(
            multiext("results/tables/table5", ".csv", ".md", ".tex"),
            category="MedMNIST3D",
        ),
        details=multiext("results/medmnist3d/details", ".csv", ".md", ".tex"),
        runs="results/medmnist3d/runs.csv",
    log:
        "logs/medmnist3d/table5.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/medmnist3d_table5.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/medmnist3d_table5.py"


if MEDMNIST3D["enabled"]:
    medmnist3d_settings.check_section(MEDMNIST3D)
    TARGETS += rules.medmnist3d_table5.output.table


# `snakemake medmnist3d`: Table 5
rule medmnist3d:
    input:
        rules.medmnist3d_table5.output.table,
    localrule: True
