"""An experiment's plan: from the configuration to the runs, their settings, their inputs and the targets.

Each experiment's `plan.py` subclasses `ExperimentPlan`. Plans are imported by the workflow at parse time,
so they import no torch. A plan

* names its allowed values once (`ALLOWED`: config key -> values); the schema's enums are checked
  against them by a test, and wildcard constraints are built from them;
* checks what the schema cannot say (`problems`), only when the experiment is enabled, and raises one
  `ConfigError` listing every problem;
* says which catalogue datasets it reads (`datasets`) and which files are its final outputs (`targets`);
* builds each run's settings: exactly what defines the run, used as the training rule's `settings`
  param (a config change reruns exactly the runs it changes) and in the run's checkpoint fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from symrep.config import ConfigError

TABLE_FORMATS = ("csv", "md", "tex")
FIGURE_FORMATS = ("png", "pdf")


def one_of(values: Iterable[str]) -> str:
    """A wildcard constraint matching exactly `values` (a never-matching pattern when there are none)."""
    values = list(values)
    return "|".join(map(re.escape, values)) if values else "(?!)"


def table_files(name: str) -> list[str]:
    return [f"results/tables/{name}.{ext}" for ext in TABLE_FORMATS]


def figure_files(name: str) -> list[str]:
    return [f"results/figures/{name}.{ext}" for ext in FIGURE_FORMATS]


class ExperimentPlan:
    """Base of every experiment's plan; `name` is the experiment's key under `experiments` in the config, or a
    sub-experiment's dotted path (`ensembles.gerken_kessel`), enabled when every section on the path is."""

    name: ClassVar[str]
    #: config key (within the experiment's section) -> its allowed values, in the papers' order
    ALLOWED: ClassVar[dict[str, Sequence[str]]] = {}

    def __init__(self, config: dict):
        self.config = config
        self._path = [config["experiments"]]
        for key in self.name.split("."):
            self._path.append(self._path[-1][key])
        self.section: dict = self._path[-1]
        self.seeds: list[int] = list(config["seeds"])
        if self.enabled:
            problems = list(self.problems())
            if problems:
                raise ConfigError(
                    f"invalid experiments.{self.name} configuration:\n  - " + "\n  - ".join(problems)
                )

    @property
    def enabled(self) -> bool:
        return all(section["enabled"] for section in self._path[1:])

    def problems(self) -> Iterable[str]:
        """What is wrong with the section beyond the schema (checked only when enabled)."""
        return ()

    def datasets(self) -> set[str]:
        """Catalogue datasets the enabled runs read (fetched, summarised and checked before any job)."""
        return set()

    def targets(self) -> list[str]:
        """The experiment's final outputs (tables, figures, claims)."""
        return []

    def hyperparameter_tables(self) -> dict[str, Any]:
        """Paper hyperparameter tables rendered from this configuration: table name -> settings."""
        return {}

    def constraint(self, key: str) -> str:
        """Wildcard constraint for a registry key: exactly its allowed values."""
        return one_of(self.ALLOWED[key])
