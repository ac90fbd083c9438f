# Raw dataset files: one fetch job per artifact, verified by MD5, from a mirror or the canonical URL.
import re

if FIXTURES:

    rule fixtures:
        input:
            code=code("scripts/make_fixtures.py"),
        output:
            [f"{FIXTURES}/{path}" for path in FIXTURE_FILES],
        log:
            "logs/data/fixtures.log",
        localrule: True
        conda:
            "../envs/symrep.yaml"
        script:
            "../scripts/make_fixtures.py"


rule fetch:
    input:
        fixture_input,
        code=code("scripts/fetch_artifact.py"),
    output:
        "resources/raw/{artifact}",
    log:
        "logs/data/fetch/{artifact}.log",
    wildcard_constraints:
        artifact="|".join(re.escape(a) for a in ARTIFACTS),
    retries: 3
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        source=fetch_params,
    script:
        "../scripts/fetch_artifact.py"


rule dataset_summary:
    input:
        files=dataset_files,
        code=code("scripts/dataset_summary.py"),
    output:
        "results/data/{dataset}.json",
    log:
        "logs/data/summary/{dataset}.log",
    wildcard_constraints:
        dataset="|".join(DATASETS),
    localrule: True
    conda:
        "../envs/symrep.yaml"
    script:
        "../scripts/dataset_summary.py"
