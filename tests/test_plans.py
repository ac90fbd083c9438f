"""One source for allowed values: every experiment's schema enums are its plan's ALLOWED, and the
catalogue's datasets are the schema's."""

import importlib
import inspect
from pathlib import Path

import pytest
import yaml

from symrep.data.catalog import DATASETS
from symrep.experiments.plan import ExperimentPlan

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "config" / "schemas"
EXPERIMENTS = sorted(p.parent.name for p in (REPO / "src" / "symrep" / "experiments").glob("*/plan.py"))


def plan_classes() -> list[type[ExperimentPlan]]:
    """Every concrete plan class (one with a name) of every experiment package."""
    found = []
    for experiment in EXPERIMENTS:
        module = importlib.import_module(f"symrep.experiments.{experiment}.plan")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ExperimentPlan) and "name" in vars(cls) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


PLANS = plan_classes()
NAMED_BY_PLANS = {
    "groups",
    "models",
    "architectures",
    "datasets",
    "dataset",
    "protocols",
    "runs",
    "groupings",
}


def load(name: str) -> dict:
    return yaml.safe_load((SCHEMAS / name).read_text())


def resolver(schema: dict):
    common = load("experiments/common.schema.yaml")

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            file, _, name = node["$ref"].partition("#/$defs/")
            node = (common if file == "common.schema.yaml" else schema)["$defs"][name]
        return node

    return resolve


def schema_enums(node: dict, resolve, prefix: str = "") -> dict:
    """Config key (dotted below nested sections) -> the enum (or const) of its value or of its items; a
    section's protocol option bundles count as its own keys, and `runs` names its switchable sections."""
    node = resolve(node)
    properties = [
        item
        for part in [*node.get("allOf", []), node]
        for item in resolve(part).get("properties", {}).items()
    ]
    bundles = dict(properties).get("protocol_options", {"properties": {}})["properties"].values()
    properties += [item for bundle in bundles for item in resolve(bundle).get("properties", {}).items()]
    enums, sections = {}, []
    for key, value in properties:
        inner = resolve(resolve(value).get("items", resolve(value)))
        if "enum" in inner or "const" in inner:
            enums[prefix + key] = tuple(inner["enum"]) if "enum" in inner else (inner["const"],)
        elif key != "protocol_options" and ("properties" in inner or "allOf" in inner):
            enums |= schema_enums(inner, resolve, f"{prefix}{key}.")
            if "enabled" in schema_enums_keys(inner, resolve):
                sections.append(key)
    if sections:
        enums[prefix + "runs"] = tuple(dict.fromkeys(sections))
    return enums


def schema_enums_keys(node: dict, resolve) -> set:
    return {key for part in [*node.get("allOf", []), node] for key in resolve(part).get("properties", {})}


def section_schema(plan: type[ExperimentPlan]) -> tuple[dict, object]:
    top, *rest = plan.name.split(".")
    schema = load(f"experiments/{top}.schema.yaml")
    resolve = resolver(schema)
    node = schema
    for key in rest:
        node = resolve(resolve(node)["properties"][key])
    return node, resolve


def test_every_experiment_has_a_plan_and_a_schema():
    assert {plan.name.split(".")[0] for plan in PLANS} == set(EXPERIMENTS)
    listed = load("config.schema.yaml")["properties"]["experiments"]["properties"]
    assert set(listed) == set(EXPERIMENTS)


@pytest.mark.parametrize("plan", PLANS, ids=lambda plan: plan.name)
def test_schema_enums_are_the_plans_allowed_values(plan):
    node, resolve = section_schema(plan)
    enums = schema_enums(node, resolve)
    allowed = {key: tuple(values) for key, values in plan.ALLOWED.items()}
    for key, values in allowed.items():  # a key may sit in nested sections (e.g. per model): each place
        found = {k: v for k, v in enums.items() if k == key or k.endswith(f".{key}")}
        assert found and set(found.values()) == {values}, (key, found, values)
    catalogue = tuple(load("experiments/common.schema.yaml")["$defs"]["dataset"]["enum"])
    named = {
        key
        for key, values in enums.items()
        if key.rsplit(".", 1)[-1] in NAMED_BY_PLANS and values != catalogue
    }
    assert named <= set(allowed), (
        "a schema enum of groups, models, datasets or protocols the plan does not name"
    )


def test_the_schemas_datasets_are_the_catalogues():
    common = load("experiments/common.schema.yaml")
    assert set(common["$defs"]["dataset"]["enum"]) == set(DATASETS)
