"""The pinned environment is stated consistently in pyproject.toml, constraints.txt and envs/symrep.yaml."""

import re
import tomllib

import yaml
from conftest import REPO


def pins(lines):
    return dict(
        re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip()).groups()
        for line in lines
        if re.match(r"^[A-Za-z0-9_.\-]+==", line.strip())
    )


def normalise(mapping):
    return {k.lower().replace("_", "-"): v for k, v in mapping.items()}


def test_pyproject_and_conda_pins_agree_with_the_constraints():
    constraints = normalise(pins((REPO / "constraints.txt").read_text().splitlines()))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = normalise(pins(project["dependencies"] + project["optional-dependencies"]["test"]))
    conda = yaml.safe_load((REPO / "envs" / "symrep.yaml").read_text())
    conda_pins = normalise(pins(next(d for d in conda["dependencies"] if isinstance(d, dict))["pip"]))
    for name, version in {**declared, **conda_pins}.items():
        assert constraints.get(name) == version, (
            f"{name}=={version} but constraints.txt has {constraints.get(name)}"
        )
    assert declared.keys() - {"pytest", "hypothesis", "snakefmt", "ruff"} <= conda_pins.keys()
    assert "medmnist" in conda_pins and "medmnist" in constraints
