# Main paper §6.3, appendix C.3: smoke plumes generated with PhiFlow, autoregressive prediction
# (Table 6; Figures 2, 7). Protocol, options and deviations: docs/smoke.md.
from symrep.data import smoke as smoke_data
from symrep.experiments import smoke_settings

SMOKE = EXPERIMENTS["smoke"]
smoke_settings.check(SMOKE)
SMOKE_SIMS = [
    f"resources/smoke/{smoke_data.file_name(k, j)}"
    for k, j in smoke_data.rotation_set(SMOKE["generator"]["simulations"])
]
SMOKE_RUN = "results/smoke/{model}/seed{seed}"


rule smoke_generate:
    output:
        sims=SMOKE_SIMS,
        check="resources/smoke/symmetry_check.npy",
        card="results/data/smoke.json",
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
        generator=SMOKE["generator"],
    script:
        "../scripts/smoke_generate.py"


rule smoke_train:
    input:
        train=[
            f"resources/smoke/{smoke_data.file_name(*t)}"
            for t in SMOKE["tasks"]["train"]
        ],
        domain=[
            f"resources/smoke/{smoke_data.file_name(*t)}"
            for t in SMOKE["tasks"]["test_domain"]
        ],
    output:
        metrics=f"{SMOKE_RUN}/metrics.json",
        history=f"{SMOKE_RUN}/history.csv",
        weights=f"{SMOKE_RUN}/model.pt",
    log:
        "logs/smoke/train/{model}/seed{seed}.log",
    wildcard_constraints:
        model="|".join(smoke_settings.MODELS),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=720,
        mem_mb=16000,
    params:
        code=code("scripts/smoke_train.py"),
        run=lambda wildcards: smoke_settings.run_settings(SMOKE, wildcards.model),
        device=config["device"],
        deterministic=config["deterministic"],
        checkpoint="checkpoints/smoke/{model}/seed{seed}.pt",
    script:
        "../scripts/smoke_train.py"


rule smoke_table6:
    input:
        runs=expand(
            f"{SMOKE_RUN}/metrics.json", model=SMOKE["models"], seed=config["seeds"]
        ),
        reference=repo_file("config/reference/table6.yaml"),
    output:
        report(
            multiext("results/tables/table6", ".csv", ".md", ".tex"),
            category="SMOKE",
        ),
    log:
        "logs/smoke/table6.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/smoke_table6.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
        training=SMOKE["training"],
    script:
        "../scripts/smoke_table6.py"


rule smoke_figures:
    input:
        check="resources/smoke/symmetry_check.npy",
        card="results/data/smoke.json",
    output:
        report(
            multiext("results/figures/figure2", ".png", ".pdf"),
            category="SMOKE",
        ),
        report(
            multiext("results/figures/figure7", ".png", ".pdf"),
            category="SMOKE",
        ),
    log:
        "logs/smoke/figures.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/smoke_figures.py"),
        action=SMOKE["training"]["action"],
    script:
        "../scripts/smoke_figures.py"


SMOKE_TARGETS = [
    *expand("results/tables/table6.{ext}", ext=["csv", "md", "tex"]),
    *expand("results/figures/figure{n}.{ext}", n=[2, 7], ext=["png", "pdf"]),
    "results/data/smoke.json",
]
if SMOKE["enabled"]:
    TARGETS += SMOKE_TARGETS


# `snakemake smoke`: Table 6, Figures 2 and 7, the data card
rule smoke:
    input:
        SMOKE_TARGETS,
    localrule: True
