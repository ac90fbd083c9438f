# Tables rendered from configuration alone: the main paper's hyperparameter tables, each registered by
# its experiment's plan when the experiment is enabled (this file is included after the experiments).
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
        table="|".join(hyperparameter_tables()) or "(?!)",
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/hyperparameter_table.py"),
        settings=hyperparameter_settings,
        scale=config["scale"],
    script:
        "../scripts/hyperparameter_table.py"
