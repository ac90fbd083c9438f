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

Protocols. Where the authors' released code and the paper's text disagree, an experiment's section has
`protocol_options`: per protocol (`released`, `described`) one bundle of option values laid over the
section, and `protocols`: the protocols to run. A run's *variant* is the protocol it belongs to, or
`common` when its settings are the same under every protocol: such a run is trained once and shown under
each protocol.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from symrep.config import ConfigError, deep_merge

PROTOCOLS = (
    "released",
    "described",
)  # the authors' code as it produced the numbers; the text, read correctly
COMMON = "common"  # the variant of a run whose settings every protocol shares
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

    def verdict_files(self) -> list[str]:
        """Per-cell verdict records of the experiment's tables (results/verdicts/<table>.csv)."""
        return []

    def claim_files(self) -> list[str]:
        """Records (claim, protocol, outcome, detail) of the claims the experiment's report decides itself."""
        return []

    def hyperparameter_tables(self) -> dict[str, Any]:
        """Paper hyperparameter tables rendered from this configuration: table name -> settings."""
        return {}

    def constraint(self, key: str) -> str:
        """Wildcard constraint for a registry key: exactly its allowed values."""
        return one_of(self.ALLOWED[key])

    # --- protocols -------------------------------------------------------------------------------------

    def protocols(self) -> list[str]:
        """The protocols to run, in the configuration's order."""
        return list(self.section.get("protocols", []))

    def options(self, protocol: str) -> dict:
        """The section with `protocol`'s bundle of option values laid over it (and the bundles removed)."""
        base = {k: v for k, v in self.section.items() if k not in ("protocols", "protocol_options")}
        return deep_merge(base, copy.deepcopy(self.section["protocol_options"][protocol]))

    def variant(self, protocol: str, settings_of: Callable[[dict], dict]) -> str:
        """`common` when `settings_of(options)` is the same under every protocol of `protocol_options`
        (whether or not it is run), else `protocol`."""
        mine = settings_of(self.options(protocol))
        defined = self.section["protocol_options"]
        return COMMON if all(settings_of(self.options(p)) == mine for p in defined) else protocol

    def protocol_runs(
        self, combinations: Iterable[dict], settings_of: Callable[[dict, dict], dict], run: str
    ) -> list[list[str]]:
        """[protocol, metrics file] of every run the protocols' tables aggregate: for each protocol run,
        each combination of wildcards and each seed, the run directory `run` (a pattern with {variant},
        {seed} and the combination's keys) of the run's variant; a common run is listed under each."""
        combinations = list(combinations)
        out = []
        for protocol in self.protocols():
            for combo in combinations:
                variant = self.variant(protocol, lambda options, c=combo: settings_of(options, c))
                out += [
                    [protocol, f"{run.format(variant=variant, seed=seed, **combo)}/metrics.json"]
                    for seed in self.seeds
                ]
        return out

    def variant_constraint(self) -> str:
        """Wildcard constraint of a run's variant: a protocol or `common`."""
        return one_of([*PROTOCOLS, COMMON])

    def variant_options(self, variant: str) -> dict:
        """The options of a variant: a `common` run's settings are those of any protocol."""
        return self.options(next(iter(self.section["protocol_options"])) if variant == COMMON else variant)
