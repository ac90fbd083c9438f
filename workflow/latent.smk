# Learned latent representations (main paper §4, appendix B): Tables 1-3 with their verdicts and claims,
# and Figures 3-5 (Table 7: workflow/report.smk). Per (variant, run, seed) one training job; TMNIST's
# glyphs built once; per table one null baseline. docs/latent.md
from symrep.experiments.latent.plan import LatentPlan

LATENT = register(LatentPlan(config))


rule latent_tmnist_glyphs:
    input:
        sources=LATENT.glyph_sources(),
    output:
        LATENT.GLYPHS,
    log:
        "logs/latent/tmnist_glyphs.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_tmnist_glyphs.py"),
        fonts=LATENT.tmnist["fonts"],
        from_csv=LATENT.glyphs_from_csv(),
    script:
        "../scripts/latent_tmnist_glyphs.py"


rule latent_train:
    input:
        data=LATENT.train_inputs,
    output:
        metrics=f"{LATENT.RUN}/metrics.json",
        history=f"{LATENT.RUN}/history.csv",
        eigenvalues=f"{LATENT.RUN}/eigenvalues.csv",
        weights=f"{LATENT.RUN}/weights.pt",
    log:
        "logs/latent/{variant}/{run}/seed{seed}.log",
    wildcard_constraints:
        variant=LATENT.variant_constraint(),
        run=LATENT.constraint("runs"),
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=LATENT.train_runtime,
        mem_mb=LATENT.train_mem_mb,
    params:
        **RUN,
        code=code("scripts/latent_train.py"),
        settings=LATENT.train_settings,
        run="{run}",
        trace_every=LATENT.section["trace_every"],
        checkpoint="checkpoints/latent/{variant}/{run}/seed{seed}.pt",
    script:
        "../scripts/latent_train.py"


rule latent_null:
    output:
        LATENT.NULL,
    log:
        "logs/latent/null_{table}.log",
    wildcard_constraints:
        table=LATENT.table_constraint(),
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_null.py"),
        dim=LATENT.null_dim,
    script:
        "../scripts/latent_null.py"


rule latent_table:
    input:
        metrics=LATENT.table_metrics,
        null=LATENT.NULL,
        reference=repo_file("config/reference/{table}.yaml"),
    output:
        table=report(
            multiext("results/tables/{table}", ".csv", ".md", ".tex"),
            category="Learned latent representations",
        ),
        verdicts="results/verdicts/{table}.csv",
        claims=LATENT.CLAIMS,
    log:
        "logs/latent/{table}.log",
    wildcard_constraints:
        table=LATENT.table_constraint(),
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_table.py"),
        runs=LATENT.table_runs,
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/latent_table.py"


rule latent_figure3:
    input:
        weights=LATENT.figure3_weights(),
    output:
        png=report(
            "results/figures/figure3.png", category="Learned latent representations"
        ),
        pdf="results/figures/figure3.pdf",
    log:
        "logs/latent/figure3.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_figure3.py"),
        rows=LATENT.figure3_rows(),
    script:
        "../scripts/latent_figure3.py"


rule latent_figure4:
    input:
        eigenvalues=LATENT.figure4_files("eigenvalues.csv"),
        weights=LATENT.figure4_files("weights.pt"),
    output:
        png=report(
            "results/figures/figure4.png", category="Learned latent representations"
        ),
        pdf="results/figures/figure4.pdf",
    log:
        "logs/latent/figure4.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_figure4.py"),
        variants=LATENT.variants("mnist_d3"),
    script:
        "../scripts/latent_figure4.py"


rule latent_figure5:
    input:
        glyphs=LATENT.GLYPHS,
    output:
        png=report(
            "results/figures/figure5.png", category="Learned latent representations"
        ),
        pdf="results/figures/figure5.pdf",
    log:
        "logs/latent/figure5.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_figure5.py"),
        settings=LATENT.tmnist,
    script:
        "../scripts/latent_figure5.py"


# `snakemake latent`: Tables 1-3 (with verdicts and claims) and Figures 3-5 of the enabled runs
rule latent:
    input:
        LATENT.targets(),
    localrule: True
