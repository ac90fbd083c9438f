"""The envelope of every training job: what the workflow hands over, how a run starts and how it ends.

An experiment's `run.train_run(job)` reads `job.settings` (exactly what defines the run, the rule's
`settings` param), its inputs and seed; `start_run` resolves the device and seeds every generator;
`finish_run` writes the history, the weights and, last, the metrics (with the software environment),
each file atomically, so a metrics file exists only for a finished run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import torch

from symrep.files import environment, fingerprint, save_weights, write_csv, write_json
from symrep.runtime import resolve_device, seed_everything

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunJob:
    """One training job: its settings and seed, its named input files and outputs, where to checkpoint."""

    settings: dict
    seed: int
    inputs: dict[str, list[str]]
    outputs: dict[str, str]
    checkpoint: str
    device: str = "auto"
    deterministic: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # other params of the rule

    @classmethod
    def from_rule(cls, smk) -> RunJob:
        """The job of a Snakemake training rule: params `settings`, `checkpoint`, `device`, `deterministic`
        (common.smk's RUN), the `seed` wildcard (else settings["seed"]), named inputs and outputs."""
        params = dict(smk.params.items())
        seed = smk.wildcards.get("seed", params["settings"].get("seed"))
        inputs = {k: [str(f) for f in v] if isinstance(v, list) else [str(v)] for k, v in smk.input.items()}
        return cls(
            settings=params.pop("settings"),
            seed=int(seed),
            inputs=inputs,
            outputs={k: str(v) for k, v in smk.output.items()},
            checkpoint=str(params.pop("checkpoint")),
            device=params.pop("device"),
            deterministic=params.pop("deterministic"),
            extra={k: v for k, v in params.items() if k != "code"},
        )

    def fingerprint(self, **data: Any) -> str:
        """Digest of the settings, seed and `data` (e.g. the input files' identity): a checkpoint with the
        same fingerprint belongs to this run and is resumed."""
        return fingerprint({"settings": self.settings, "seed": self.seed, **data})


def start_run(job: RunJob) -> tuple[torch.device, torch.Generator]:
    """Resolve the device and seed python, numpy and torch; return the device and the training generator."""
    device = resolve_device(job.device)
    rng = seed_everything(job.seed, job.deterministic)
    return device, rng


def finish_run(
    job: RunJob, metrics: dict, history: list[dict], model: torch.nn.Module, **weights_extra: Any
) -> dict:
    """Write `history` (CSV), the model's weights with `weights_extra`, then `metrics` with the seed,
    the settings and the software environment; return the metrics as written."""
    metrics = {**metrics, "seed": job.seed, "settings": job.settings, "environment": environment()}
    write_csv(job.outputs["history"], history)
    save_weights(job.outputs["weights"], model, **weights_extra)
    write_json(job.outputs["metrics"], metrics)
    return metrics
