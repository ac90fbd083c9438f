# Ensembles under data augmentation (docs/ensembles.md): members trained in blocks as one batched model,
# evaluated on whole group orbits; Nordenfors & Flinth (figures 8, 9) and Gerken & Kessel (table 11).
from symrep.experiments.ensembles.plan import EnsemblePlan, SUBEXPERIMENTS

ENSEMBLES = EnsemblePlan(config)


rule ensembles_train:
    input:
        data=lambda wc: raw(ENSEMBLES.sections[wc.sub]["dataset"]),
    output:
        weights="results/ensembles/{sub}/{run}/block{block}/weights.pt",
        metrics="results/ensembles/{sub}/{run}/block{block}/metrics.json",
        history="results/ensembles/{sub}/{run}/block{block}/history.csv",
    log:
        "logs/ensembles/{sub}/{run}/train_block{block}.log",
    wildcard_constraints:
        sub="|".join(SUBEXPERIMENTS),
        run="[A-Za-z0-9]+(_[a-z]+)?",
        block=r"\d+",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=240,
        mem_mb=16000,
    params:
        code=code("scripts/ensembles_train.py"),
        settings=lambda wc: ENSEMBLES.train_settings(wc.sub, wc.run, int(wc.block)),
    script:
        "../scripts/ensembles_train.py"


rule ensembles_evaluate:
    input:
        data=lambda wc: raw(ENSEMBLES.sections[wc.sub]["dataset"]),
        ood=lambda wc: (
            raw(ENSEMBLES.ood_dataset(wc.sub)) if ENSEMBLES.ood_dataset(wc.sub) else []
        ),
        weights=lambda wc: ENSEMBLES.weights(wc.sub, wc.run),
    output:
        "results/ensembles/{sub}/{run}/evaluation.csv",
    log:
        "logs/ensembles/{sub}/{run}/evaluate.log",
    wildcard_constraints:
        sub="|".join(SUBEXPERIMENTS),
        run="[A-Za-z0-9]+(_[a-z]+)?",
    conda:
        "../envs/symrep.yaml"
    threads: 1
    resources:
        gpu=1,
        runtime=120,
        mem_mb=16000,
    params:
        code=code("scripts/ensembles_evaluate.py"),
        settings=lambda wc: ENSEMBLES.eval_settings(wc.sub, wc.run),
    script:
        "../scripts/ensembles_evaluate.py"


rule ensembles_figures:
    input:
        evaluations=ENSEMBLES.evaluations("nordenfors_flinth"),
        reference=repo_file("config/reference/figure8.yaml"),
    output:
        **ENSEMBLES.curve_figure(),
        summary="results/ensembles/nordenfors_flinth/summary.csv",
        figure8=report(
            multiext("results/figures/figure8", ".png", ".pdf"), category="Ensembles"
        ),
        claims=multiext(
            "results/ensembles/nordenfors_flinth/claims", ".csv", ".md", ".tex"
        ),
    log:
        "logs/ensembles/nordenfors_flinth/figures.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ensembles_figures.py"),
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ensembles_figures.py"


rule ensembles_table11:
    input:
        evaluations=ENSEMBLES.evaluations("gerken_kessel"),
        reference=repo_file("config/reference/table11.yaml"),
    output:
        table=report(
            multiext("results/tables/table11", ".csv", ".md", ".tex"),
            category="Ensembles",
        ),
        claims=multiext("results/ensembles/gerken_kessel/claims", ".csv", ".md", ".tex"),
        accuracy="results/ensembles/gerken_kessel/accuracy.csv",
    log:
        "logs/ensembles/gerken_kessel/table11.log",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/ensembles_table11.py"),
        settings=ENSEMBLES.sections["gerken_kessel"],
        scale=config["scale"],
        ddof=config["std_ddof"],
    script:
        "../scripts/ensembles_table11.py"


TARGETS += ENSEMBLES.targets()


# `snakemake ensembles`: Figures 8-9, Table 11 and the claims tables of the enabled parts
rule ensembles:
    input:
        ENSEMBLES.targets(),
    localrule: True
