# Raw dataset files: one fetch job per artifact, verified by MD5, from a mirror or the canonical URL.
import re

if FIXTURES:

    rule fixtures:
        output:
            [f"{FIXTURES}/{path}" for path in FIXTURE_FILES],
        log:
            "logs/data/fixtures.log",
        localrule: True
        conda:
            "../envs/symrep.yaml"
        params:
            code=code("scripts/make_fixtures.py"),
        script:
            "../scripts/make_fixtures.py"


rule fetch:
    input:
        fixture_input,
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
        code=code("scripts/fetch_artifact.py"),
        source=fetch_params,
    script:
        "../scripts/fetch_artifact.py"


rule dataset_summary:
    input:
        files=dataset_files,
    output:
        "results/data/{dataset}.json",
    log:
        "logs/data/summary/{dataset}.log",
    wildcard_constraints:
        dataset="|".join(DATASETS),
    localrule: True
    conda:
        "../envs/symrep.yaml"
    params:
        code=code("scripts/dataset_summary.py"),
    script:
        "../scripts/dataset_summary.py"
