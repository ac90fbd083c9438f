# MedMNIST3D (main paper §6.2, appendix C.2): Table 5 (Table 10: workflow/report.smk).
# Per (variant, dataset, model, seed) one training job on the official npz; docs/medmnist3d.md.
from symrep.experiments.medmnist3d.plan import MedMNIST3DPlan

MEDMNIST3D = register(MedMNIST3DPlan(config))


rule medmnist3d_train:
    input:
        npz=dataset_files,
    output:
        metrics=f"{MEDMNIST3D.RUN}/metrics.json",
        history=f"{MEDMNIST3D.RUN}/history.csv",
        weights=f"{MEDMNIST3D.RUN}/model.pt",
    log:
        "logs/medmnist3d/train/{variant}_{dataset}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/medmnist3d/{variant}_{dataset}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        variant=MEDMNIST3D.variant_constraint(),
        dataset=MEDMNIST3D.constraint("datasets"),
        model=MEDMNIST3D.constraint("models"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=30 + MEDMNIST3D.section["max_epochs"],  # minutes; well under a minute per GPU epoch
        mem_mb=8000,
    params:
        **RUN,
        code=code("scripts/medmnist3d_train.py"),
        settings=MEDMNIST3D.train_settings,
        dataset="{dataset}",
        checkpoint="checkpoints/medmnist3d/{variant}_{dataset}_{model}_seed{seed}.ckpt",
    script:
        "../scripts/medmnist3d_train.py"


rule medmnist3d_table5:
    input:
        runs=MEDMNIST3D.metrics(),
        reference=repo_file("config/reference/table5.yaml"),
    output:
        table=report(
            multiext("results/tables/table5", ".csv", ".md", ".tex"),
            category="MedMNIST3D",
        ),
        details=multiext("results/medmnist3d/details", ".csv", ".md", ".tex"),
        runs="results/medmnist3d/runs.csv",
        verdicts=MEDMNIST3D.VERDICTS,
    log:
        "logs/medmnist3d/table5.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/medmnist3d_table5.py"),
        runs=MEDMNIST3D.table_runs(),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/medmnist3d_table5.py"


# `snakemake medmnist3d`: Table 5
rule medmnist3d:
    input:
        MEDMNIST3D.targets(),
    localrule: True
