# Main paper §4, appendix B: learned latent representations (Tables 1-3; Figures 3-5). docs/latent.md
from pathlib import Path

LATENT = EXPERIMENTS["latent"]
LATENT_RUNS = [
    run
    for run in ("tmnist_z2", "mnist_d3", "cifar10_c4")
    if LATENT["enabled"] and LATENT[run]["enabled"]
]
LATENT_TABLES = {
    t: r
    for t, r in {
        "table1": "tmnist_z2",
        "table2": "mnist_d3",
        "table3": "cifar10_c4",
    }.items()
    if r in LATENT_RUNS
}
LATENT_FIGURES = {
    "figure3": bool(LATENT_RUNS),
    "figure4": "mnist_d3" in LATENT_RUNS,
    "figure5": "tmnist_z2" in LATENT_RUNS,
}
LATENT_FIGURES = [f for f, enabled in LATENT_FIGURES.items() if enabled]
# Paper-scale wall time of one run on one GPU, in minutes (generous), and memory.
LATENT_RUNTIME = {"tmnist_z2": 60, "mnist_d3": 120, "cifar10_c4": 240}
LATENT_MEM_MB = {"tmnist_z2": 2000, "mnist_d3": 4000, "cifar10_c4": 8000}
TMNIST = LATENT["tmnist_z2"]
if "tmnist_z2" in LATENT_RUNS and (TMNIST["dataset"] is None) == (
    TMNIST["tmnist_csv"] is None
):
    raise ValueError(
        "experiments.latent.tmnist_z2: set exactly one of dataset: tmnist_fonts (rebuild the glyphs from "
        "the font files) and tmnist_csv: <path to TMNIST_Data.csv> (then dataset: null)"
    )
LATENT_FONTS = {Path(f).stem for f in raw("tmnist_fonts")}
if (
    "tmnist_z2" in LATENT_RUNS
    and TMNIST["dataset"]
    and set(TMNIST["fonts"]) - LATENT_FONTS
):
    raise ValueError(
        f"experiments.latent.tmnist_z2.fonts: {sorted(set(TMNIST['fonts']) - LATENT_FONTS)} cannot be "
        f"rebuilt from font files (available: {sorted(LATENT_FONTS)}); use tmnist_csv for other fonts"
    )


LATENT_SEEDS = config["seeds"]
LATENT_FIGURE_INPUTS = {
    "figure3": {
        "weights": [
            f"results/latent/{r}/seed{LATENT_SEEDS[0]}/weights.pt" for r in LATENT_RUNS
        ]
    },
    "figure4": {
        name: expand(
            f"results/latent/mnist_d3/seed{{seed}}/{name}.{ext}", seed=LATENT_SEEDS
        )
        for name, ext in (("eigenvalues", "csv"), ("weights", "pt"))
    },
    "figure5": {"glyphs": "resources/tmnist/glyphs.npz"},
}


rule latent_tmnist_glyphs:
    input:
        sources=[TMNIST["tmnist_csv"]] if TMNIST["tmnist_csv"] else raw("tmnist_fonts"),
    output:
        "resources/tmnist/glyphs.npz",
    log:
        "logs/latent/tmnist_glyphs.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_tmnist_glyphs.py"),
        fonts=TMNIST["fonts"],
        from_csv=TMNIST["tmnist_csv"] is not None,
    script:
        "../scripts/latent_tmnist_glyphs.py"


rule latent_train:
    input:
        data=lambda wc: (
            ["resources/tmnist/glyphs.npz"]
            if wc.run == "tmnist_z2"
            else raw(LATENT[wc.run]["dataset"])
        ),
    output:
        metrics="results/latent/{run}/seed{seed}/metrics.json",
        history="results/latent/{run}/seed{seed}/history.csv",
        eigenvalues="results/latent/{run}/seed{seed}/eigenvalues.csv",
        weights="results/latent/{run}/seed{seed}/weights.pt",
    log:
        "logs/latent/{run}/seed{seed}.log",
    wildcard_constraints:
        run="|".join(LATENT_RUNS) or "none",
        seed=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=lambda wc: LATENT_RUNTIME[wc.run],
        mem_mb=lambda wc: LATENT_MEM_MB[wc.run],
    params:
        code=code("scripts/latent_train.py"),
        settings=lambda wc: LATENT[wc.run],
        trace_every=LATENT["trace_every"],
        device=config["device"],
        deterministic=config["deterministic"],
        checkpoint=lambda wc: f"checkpoints/latent/{wc.run}/seed{wc.seed}.pt",
    script:
        "../scripts/latent_train.py"


rule latent_table:
    input:
        metrics=lambda wc: expand(
            "results/latent/{run}/seed{seed}/metrics.json",
            run=LATENT_TABLES[wc.table],
            seed=LATENT_SEEDS,
        ),
        reference=repo_file("config/reference/{table}.yaml"),
    output:
        report(
            multiext("results/tables/{table}", ".csv", ".md", ".tex"),
            category="Learned latent representations",
        ),
    log:
        "logs/latent/{table}.log",
    wildcard_constraints:
        table="|".join(LATENT_TABLES) or "none",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_table.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/latent_table.py"


rule latent_figure:
    input:
        unpack(lambda wc: LATENT_FIGURE_INPUTS[wc.figure]),
    output:
        report(
            multiext("results/figures/{figure}", ".png", ".pdf"),
            category="Learned latent representations",
        ),
    log:
        "logs/latent/{figure}.log",
    wildcard_constraints:
        figure="|".join(LATENT_FIGURES) or "none",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/latent_figure.py"),
        runs=lambda wc: LATENT_RUNS if wc.figure == "figure3" else [],
        settings=lambda wc: TMNIST if wc.figure == "figure5" else {},
    script:
        "../scripts/latent_figure.py"


LATENT_TARGETS = [
    *expand(
        "results/tables/{table}.{ext}", table=LATENT_TABLES, ext=["csv", "md", "tex"]
    ),
    *expand(
        "results/figures/{figure}.{ext}", figure=LATENT_FIGURES, ext=["png", "pdf"]
    ),
]
TARGETS += LATENT_TARGETS


# `snakemake latent`: Tables 1-3 and Figures 3-5 of the enabled runs
rule latent:
    input:
        LATENT_TARGETS,
    localrule: True
