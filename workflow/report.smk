# Tables and figures rendered from configuration alone: the main paper's hyperparameter tables.
rule hyperparameter_table:
    input:
        reference=repo_file("config/reference/{table}.yaml"),
    output:
        report(
            multiext("results/tables/{table}", ".csv", ".md", ".tex"),
            category="Hyperparameters",
        ),
    log:
        "logs/report/{table}.log",
    wildcard_constraints:
        table="|".join(HYPERPARAMETER_SETTINGS),
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/hyperparameter_table.py"),
        settings=hyperparameter_settings,
        scale=config["scale"],
    script:
        "../scripts/hyperparameter_table.py"


TARGETS += expand(
    "results/tables/{table}.{ext}",
    table=HYPERPARAMETER_SETTINGS,
    ext=["csv", "md", "tex"],
)
