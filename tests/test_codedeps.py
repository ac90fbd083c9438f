"""Code fingerprints: what a rule's outputs depend on, and what reruns when a module changes."""

from pathlib import Path

import pytest
from conftest import REPO

from symrep.codedeps import (
    code_dependencies,
    code_fingerprint,
    normalized_code,
    rerun_map,
    rerun_table,
    rule_scripts,
)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def tiny_package(tmp_path):
    src = tmp_path / "src"
    write(src / "symrep/__init__.py", "")
    write(src / "symrep/a.py", "from symrep import b\n")
    write(src / "symrep/b.py", "from .pkg.c import thing\nfrom symrep.plumbing import log\n")
    write(src / "symrep/pkg/__init__.py", "")
    write(src / "symrep/pkg/c.py", "import numpy\n\n\ndef thing(x):\n    return x + 1\n")
    write(src / "symrep/plumbing.py", "from symrep import unused\nlog = print\n")
    write(src / "symrep/unused.py", "")
    write(tmp_path / "script.py", "import os\nfrom symrep.a import something\n")
    return src


def test_closure_follows_imports_and_leaves_out_plumbing_and_packages(tmp_path):
    src = tiny_package(tmp_path)
    names = sorted(p.relative_to(src).as_posix() for p in code_dependencies(tmp_path / "script.py", src))
    assert names == ["symrep/a.py", "symrep/b.py", "symrep/pkg/c.py"]


def test_script_without_symrep_imports_has_no_code_inputs(tmp_path):
    write(tmp_path / "src/symrep/__init__.py", "")
    write(tmp_path / "s.py", "import json\n")
    assert code_dependencies(tmp_path / "s.py", tmp_path / "src") == []


def test_comments_docstrings_and_formatting_do_not_change_the_fingerprint(tmp_path):
    src = tiny_package(tmp_path)
    before = code_fingerprint(tmp_path / "script.py", src)
    c = src / "symrep/pkg/c.py"
    c.write_text(
        '"""Module doc."""\nimport numpy  # a comment\n\n\ndef thing(x):\n    """Doc."""\n    return (x +\n            1)\n'
    )
    normalized_code.cache_clear()
    assert code_fingerprint(tmp_path / "script.py", src) == before
    (src / "symrep/plumbing.py").write_text("log = repr\n")  # plumbing: no job depends on it
    normalized_code.cache_clear()
    assert code_fingerprint(tmp_path / "script.py", src) == before
    c.write_text("import numpy\n\n\ndef thing(x):\n    return x + 2\n")
    normalized_code.cache_clear()
    assert code_fingerprint(tmp_path / "script.py", src) != before


def test_every_package_init_holds_no_code():
    """Package __init__ files are left out of the fingerprints, so they must stay empty."""
    for init in (REPO / "src").rglob("__init__.py"):
        assert normalized_code(init) in ("Module([], [])", "Module([Pass()], [])"), init


def test_every_rule_with_a_script_passes_its_code_fingerprint():
    scripts = rule_scripts(REPO / "workflow")
    assert len(scripts) >= 20
    text = "".join(p.read_text() for p in (REPO / "workflow").glob("*.smk"))
    for rule, script in scripts.items():
        assert f'code=code("scripts/{script}")' in text, rule


# --- what reruns when a module changes (paper scale: every experiment's rules) --------------------------------

RERUNS = rerun_map(REPO)
RULES = sorted(rule_scripts(REPO / "workflow"))
TRAINING = {r for r in RULES if r.endswith(("_train", "_evaluate"))}
DATASETS = {"fetch", "fixtures", "dataset_summary", "smoke_generate", "latent_tmnist_glyphs"} | {
    r for r in RULES if r.endswith("_dataset")
}
EXPERIMENTS = sorted(
    {p.name for p in (REPO / "src/symrep/experiments").iterdir() if p.is_dir() and p.name[0] != "_"}
)
MODELS_OF = {"ddmnist": "ddmnist", "resnet3d": "medmnist3d", "smoke": "smoke", "latent": "latent"}
MODELS_OF |= {"ensemble_cnns": "ensembles", "stacked": "ensembles", "cluster_equivariant": "inpainting"}


def test_docs_rerun_table_is_current():
    assert (REPO / "docs" / "rerun.md").read_text() == rerun_table(REPO), (
        "python -m symrep.codedeps > docs/rerun.md"
    )


@pytest.mark.parametrize("module", sorted(m for m in RERUNS if ".report" in m or m.endswith(".figures")))
def test_a_report_or_figure_module_reruns_no_training_job(module):
    assert not set(RERUNS[module]) & TRAINING


def test_logging_reruns_nothing():
    assert RERUNS["symrep.plumbing"] == []


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_an_experiments_own_code_reruns_no_job_of_another_experiment(experiment):
    own = [m for m in RERUNS if m.startswith(f"symrep.experiments.{experiment}.")]
    own += [f"symrep.models.{model}" for model, exp in MODELS_OF.items() if exp == experiment]
    assert own
    for module in own:
        assert all(rule.startswith(f"{experiment}_") for rule in RERUNS[module]), (module, RERUNS[module])


@pytest.mark.parametrize("module", sorted(m for m in RERUNS if m.startswith("symrep.models.")))
def test_a_model_reruns_no_dataset_job(module):
    assert not set(RERUNS[module]) & DATASETS


def test_every_model_module_belongs_to_one_experiment_or_is_shared():
    models = {m.rsplit(".", 1)[1] for m in RERUNS if m.startswith("symrep.models.")}
    assert models - {"common"} == set(MODELS_OF), "classify the new model module in MODELS_OF"
