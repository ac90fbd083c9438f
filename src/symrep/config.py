"""Layered configuration: paper-scale defaults under any override file, validated against the schemas."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource


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
