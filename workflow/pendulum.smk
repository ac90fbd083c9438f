# Double pendulum with springs (Villar's survey talk; ScalarEMLP on EMLP's dataset): the rollout-error
# table of N-ODEs and HNNs, Scalars-O(3) and MLP, beside the talk's, under the released and described
# protocols. One dataset per variant, one training job per (variant, dynamics, model, seed). docs/pendulum.md
from symrep.experiments.pendulum.plan import PendulumPlan

PENDULUM = register(PendulumPlan(config))


rule pendulum_dataset:
    output:
        PENDULUM.DATASET,
    log:
        "logs/pendulum/dataset_{variant}.log",
    wildcard_constraints:
        variant=PENDULUM.variant_constraint(),
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        runtime=20,
        mem_mb=2000,
    params:
        code=code("scripts/pendulum_dataset.py"),
        settings=PENDULUM.dataset_settings,
    script:
        "../scripts/pendulum_dataset.py"


rule pendulum_train:
    input:
        dataset=PENDULUM.dataset,
    output:
        metrics=f"{PENDULUM.RUN}/metrics.json",
        history=f"{PENDULUM.RUN}/history.csv",
        weights=f"{PENDULUM.RUN}/model.pt",
    log:
        "logs/pendulum/train/{variant}_{dynamics}_{model}_seed{seed}.log",
    benchmark:
        "benchmarks/pendulum/{variant}_{dynamics}_{model}_seed{seed}.tsv"
    wildcard_constraints:
        variant=PENDULUM.variant_constraint(),
        dynamics=PENDULUM.constraint("dynamics"),
        model=PENDULUM.constraint("models"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=30 + PENDULUM.section["epochs"] * 9 // 60,  # minutes; released Scalars N-ODE ≤ 9 s per CPU epoch
        mem_mb=4000,
    params:
        **RUN,
        code=code("scripts/pendulum_train.py"),
        settings=PENDULUM.train_settings,
        checkpoint="checkpoints/pendulum/{variant}_{dynamics}_{model}_seed{seed}.ckpt",
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
        runs=PENDULUM.TABLE_RUNS,
        verdicts="results/verdicts/pendulum.csv",
    log:
        "logs/pendulum/table.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/pendulum_table.py"),
        runs=PENDULUM.table_runs(),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/pendulum_table.py"


# `snakemake pendulum`: the rollout-error table beside the talk's
rule pendulum:
    input:
        PENDULUM.targets(),
    localrule: True
