"""One run (experiment × seed) of the learned-representation experiments: data, training, analysis, files.

Randomness: the seed fixes model initialisation and training order/augmentation (`start_run`),
and, through streams of their own, the train/validation split and the validation and test pairs.
"""

from __future__ import annotations

import logging

import pandas as pd
import torch

from symrep.experiments.latent.data import SOURCES
from symrep.experiments.latent.task import SPECS, LatentTask, analyse
from symrep.files import write_csv
from symrep.groups import get_group
from symrep.models.latent import LatentActionModel
from symrep.runs import RunJob, finish_run, start_run
from symrep.runtime import stream_generator
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
STREAMS = {"split": 1, "val": 2, "test": 3}  # seeded streams of the image splits and the fixed pairs


def train_run(job: RunJob) -> dict:
    """Train the run `job.extra["run"]` (recording the eigenvalues every `job.extra["trace_every"]` steps);
    write metrics, history, eigenvalues and weights; return the metrics."""
    name, trace_every = job.extra["run"], job.extra["trace_every"]
    settings, seed, files = job.settings, job.seed, job.inputs["data"]
    spec = SPECS[name]
    device, rng = start_run(job)
    sources = SOURCES[name](settings, files, device, stream_generator(seed, STREAMS["split"]))
    log.info(
        "%s seed %d on %s: %s pairs (train/val/test)",
        name,
        seed,
        device,
        "/".join(str(len(sources[k])) for k in ("train", "val", "test")),
    )
    n_gens = len(get_group(spec.group).generators)
    options = {key: settings[key] for key in spec.network_options}
    model = LatentActionModel(spec.network, settings["latent_dim"], n_gens, spec.init, **options).to(device)
    initial = [g.detach().cpu().clone() for g in model.generators()]
    task = LatentTask(
        spec,
        settings,
        model,
        sources,
        trace_every=trace_every,
        val_generator=stream_generator(seed, STREAMS["val"]),
    )
    stopping = EarlyStopping("val_loss", patience=settings["patience"], min_delta=settings["min_delta"])
    result = fit(
        task,
        max_epochs=settings["max_epochs"],
        stopping=stopping,
        rng=rng,
        checkpoint=job.checkpoint,
        fingerprint=job.fingerprint(run=name, trace_every=trace_every, files=files),
        select="best",
        on_epoch=task.end_epoch,
    )
    model.eval()
    with torch.no_grad():
        test = task.evaluate(sources["test"], sources["test"].plan(stream_generator(seed, STREAMS["test"])))
    generators = [g.detach().cpu() for g in model.generators()]
    metrics = {
        "experiment": name,
        "group": spec.group,
        "epochs": len(result.history),
        "best_epoch": result.best_epoch + 1,
        "stopped_early": result.stopped_early,
        "test": test,
        **analyse(spec, generators),
        "initial": analyse(spec, initial),
    }
    write_csv(
        job.outputs["eigenvalues"],
        pd.DataFrame(
            [
                {"step": step, "epoch": epoch, "index": i, "real": v.real, "imag": v.imag}
                for step, epoch, values in task.trace
                for i, v in enumerate(values)
            ]
        ),
    )
    log.info(
        "%s seed %d: algebra loss %.3g, irreps %s",
        name,
        seed,
        metrics["algebra_loss"],
        {k: round(v, 3) for k, v in metrics["irreps"].items()},
    )
    return finish_run(job, metrics, result.history, model, generators=generators, initial_generators=initial)
