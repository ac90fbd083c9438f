"""Layered configuration: paper-scale defaults under any override file, and checks the schema cannot express."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from symrep.data.catalog import DATASETS, artifacts_of
from symrep.data.fetch import mirror_candidates


class ConfigError(ValueError):
    """The configuration is inconsistent; the message says what to change."""


def deep_merge(base: dict, override: dict) -> dict:
    """`override` on top of `base`, recursively for nested mappings (lists are replaced whole)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def validate_config(config: dict, schema_file: str | Path) -> None:
    """Check `config` against the JSON schema (relative `$ref`s resolve beside it); raise one ConfigError
    naming each offending key and what is wrong with it."""
    schema_file = Path(schema_file).resolve()

    def retrieve(uri: str) -> Resource:
        path = Path(uri.removeprefix("file://"))
        return Resource.from_contents(yaml.safe_load(path.read_text()))

    schema = yaml.safe_load(schema_file.read_text())
    schema["$id"] = schema_file.as_uri()
    validator = Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors]
        raise ConfigError(f"invalid configuration ({schema_file.name}):\n  - " + "\n  - ".join(lines))


def needed_datasets(section: Any) -> set[str]:
    """Datasets named anywhere in an experiments config (keys `dataset`, `datasets`, `*_dataset`),
    skipping every mapping, and all below it, whose `enabled` is false."""
    if isinstance(section, list):
        return set().union(*map(needed_datasets, section)) if section else set()
    if not isinstance(section, dict) or section.get("enabled") is False:
        return set()
    found = set()
    for key, value in section.items():
        if key in ("dataset", "datasets") or key.endswith("_dataset"):
            found.update([value] if isinstance(value, str) else value if isinstance(value, list) else [])
        else:
            found |= needed_datasets(value)
    return found


def check_datasets(
    needed: Iterable[str], data: dict[str, Any], raw_dir: str | Path, generated: Iterable[str] = ()
) -> None:
    """Every dataset an enabled experiment needs must be known; offline (`download: false`), each of
    its files must already be in `raw_dir` or in a mirror, or be `generated` by a rule (test fixtures).
    Raises one ConfigError listing all problems."""
    generated = set(generated)
    problems = []
    for name in sorted(set(needed)):
        if name not in DATASETS:
            problems.append(f"unknown dataset '{name}' (known: {', '.join(sorted(DATASETS))})")
            continue
        if data["download"]:
            continue
        for relpath in set(artifacts_of(name)) - generated:
            places = [Path(raw_dir) / relpath, *mirror_candidates(relpath, data["mirrors"])]
            if not any(p.is_file() for p in places):
                problems.append(
                    f"dataset '{name}': {relpath} is in none of "
                    f"{', '.join(map(str, places))} and data.download is false"
                )
    if problems:
        raise ConfigError("configuration names datasets that cannot be had:\n  - " + "\n  - ".join(problems))
