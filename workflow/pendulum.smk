# Double pendulum with springs (Villar's survey talk; ScalarEMLP on EMLP's dataset): the rollout-error
# table of N-ODEs and HNNs, Scalars-O(3) and MLP, beside the talk's. One dataset, one training job per
# (dynamics, model, seed). docs/pendulum.md
from symrep.experiments.pendulum.plan import PendulumPlan

PENDULUM = register(PendulumPlan(config))


rule pendulum_dataset:
    output:
        PENDULUM.DATASET,
    log:
        "logs/pendulum/dataset.log",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        runtime=20,
        mem_mb=2000,
    params:
        code=code("scripts/pendulum_dataset.py"),
        settings=PENDULUM.data_settings(),
    script:
        "../scripts/pendulum_dataset.py"


rule pendulum_train:
    input:
        dataset=PENDULUM.DATASET,
    output:
        metrics=f"{PENDULUM.RUN}/metrics.json",
        history=f"{PENDULUM.RUN}/history.csv",
        weights=f"{PENDULUM.RUN}/model.pt",
    log:
        "logs/pendulum/train/{dynamics}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/pendulum/{dynamics}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        dynamics=PENDULUM.constraint("dynamics"),
        model=PENDULUM.constraint("models"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=30 + PENDULUM.section["epochs"] // 20,  # minutes; Scalars N-ODE ≈ 2 s per CPU epoch
        mem_mb=4000,
    params:
        **RUN,
        code=code("scripts/pendulum_train.py"),
        settings=PENDULUM.train_settings,
        checkpoint="checkpoints/pendulum/{dynamics}_{model}_seed{seed}.ckpt",
    script:
        "../scripts/pendulum_train.py"


rule pendulum_table:
    input:
        runs=PENDULUM.metrics(),
        reference=repo_file("config/reference/pendulum.yaml"),
    output:
        table=report(
            multiext("results/tables/pendulum", ".csv", ".md", ".tex"),
            category="Double pendulum",
        ),
        details=multiext("results/pendulum/details", ".csv", ".md", ".tex"),
        runs="results/pendulum/runs.csv",
        verdicts="results/verdicts/pendulum.csv",
    log:
        "logs/pendulum/table.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/pendulum_table.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/pendulum_table.py"


# `snakemake pendulum`: the rollout-error table beside the talk's
rule pendulum:
    input:
        PENDULUM.targets(),
    localrule: True
