"""Per-rule step timing at paper shapes, shared by bench/dag_budget.py and tools/gpu_check.sh.

For one row of `symrep.budget.rows` (a training rule's jobs with one set of settings), build the experiment's
own training task as its `run.py` does — the same model, task class, pair source and settings — on synthetic
data of the paper's shapes (random images, volumes or velocity fields: their content does not change the
cost), run a warm-up epoch of a few steps, then a timed epoch of `steps` steps with the task's own
`train_epoch`, then its own `validate` on a few validation batches. Returns seconds per training step,
seconds per validation sample and whether every loss was finite.

Paths: "new" is the code as it stands (with cudnn.benchmark, as a run that is not deterministic sets it);
"today" undoes the levers in the code (`levers`): A, the per-element group actions, and B, the per-step
training loops of DDMNIST, MedMNIST3D and SMOKE (tests/oracles.py keeps both verbatim, patched in at the
call sites the tests patch), and F's cudnn.benchmark (off). On a CPU a row that calls none of the patched
code runs the same code on both paths and is timed once.

Ensembles: a job trains `members_per_job` members; `max_members` times fewer (a CPU cannot hold the G&K
step's activations for 25 members at once) and scales the times linearly (members run one vmap block after
another, so a job's time is linear in its members).

Inpainting trains full batch (an epoch is one optimiser step on all its training images): `steps` epochs are
timed as `steps` steps.

`guard_row` runs one step and a validation of a row on the `meta` device under tests/device_guard.py, which
raises when tensors of two devices meet (a tensor left on the CPU): the device check without a GPU.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from symrep.budget import Row

TESTS = Path(__file__).resolve().parents[1] / "tests"
PATHS = ("new", "today")


@dataclass
class Built:
    """A row's task on the device, with a way to give it a synthetic training set of n samples."""

    task: Any
    batch: int
    train_data: Callable[[int], Any]  # n samples -> the task's training data
    attach: Callable[[Any], None]  # puts training data into the task
    train_len: Callable[[Any], int]  # samples held by training data
    val_samples: int  # samples its validate() covers
    scale: float = 1.0  # the row's job shape / the timed shape (ensembles: members_per_job / members timed)
    full_batch: bool = (
        False  # each epoch of the built task is one step (its training set one batch): time epochs
    )


@dataclass
class Timing:
    key: str
    path: str
    step_s: float  # seconds per training step of one job
    val_sample_s: float  # seconds of validation per validation sample of one job
    steps: int  # timed training steps
    finite: bool  # every training and validation loss finite
    note: str = ""  # e.g. "same code as new" when the row calls no patched action

    def as_dict(self) -> dict:
        return {"step_s": self.step_s, "val_sample_s": self.val_sample_s}


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _uint8(shape, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, shape, generator=_generator(seed), dtype=torch.uint8)


# --- builders: one per experiment, each mirroring its run.py -------------------------------------------


def _latent(row: Row, device: torch.device, members: int | None) -> Built:
    from symrep.experiments.latent.data import CifarC4Pairs, MNISTD3Pairs, TMNISTPairs
    from symrep.experiments.latent.task import SPECS, LatentTask
    from symrep.groups import get_group
    from symrep.models.latent import LatentActionModel

    s, run = row.settings, row.extra["run"]
    spec = SPECS[run]

    def source(n: int):
        if run == "tmnist_z2":
            glyphs = _uint8((2, 10, 28, 28)).to(device)
            return TMNISTPairs(glyphs, n, s["digits"], s["max_rotation"], tuple(s["scale_range"]))
        if run == "mnist_d3":
            return MNISTD3Pairs(_uint8((n, 28, 28)).to(device), s["rotation_degrees"], s["augment_rotation"])
        labels = torch.randint(0, 10, (n,), generator=_generator(1))
        return CifarC4Pairs(_uint8((n, 3, 32, 32)).to(device), labels.to(device))

    options = {key: s[key] for key in spec.network_options}
    n_gens = len(get_group(spec.group).generators)
    model = LatentActionModel(spec.network, s["latent_dim"], n_gens, spec.init, **options).to(device)
    val = min(row.val_samples, 1000)  # LatentTask.evaluate's batch
    sources = {"train": source(s["batch_size"]), "val": source(val)}
    task = LatentTask(
        spec, s, model, sources, trace_every=row.extra["trace_every"], val_generator=_generator(2)
    )
    return Built(
        task,
        s["batch_size"],
        source,
        lambda data: task.sources.__setitem__("train", data),
        len,
        val,
    )


def _ddmnist(row: Row, device: torch.device, members: int | None) -> Built:
    from symrep.experiments.ddmnist.pairs import DDMNISTPairs, PairAugmentation, digit_noise
    from symrep.experiments.ddmnist.task import make_model, make_task
    from symrep.experiments.paired_classification import EVAL_CHUNK, EvalSet

    s = row.settings
    augmentation = PairAugmentation(s["group"], digit_noise(s["group"], s.get("c4_noise")))

    def pairs(n: int) -> DDMNISTPairs:
        labels = torch.randint(0, 100, (n,), generator=_generator(1))
        return DDMNISTPairs(_uint8((n, 2, 28, 28)), labels, augmentation, device)

    val = min(row.val_samples, EVAL_CHUNK)
    model = make_model(s, device)
    task = make_task(
        s, model, pairs(s["batch_size"]), EvalSet.transformed(pairs(val), _generator(2)), augmentation
    )
    return Built(task, s["batch_size"], pairs, lambda data: setattr(task, "train", data), len, val)


def _medmnist3d(row: Row, device: torch.device, members: int | None) -> Built:
    from symrep.experiments.medmnist3d.data import VolumePairs
    from symrep.experiments.medmnist3d.plan import AUGMENTED
    from symrep.experiments.medmnist3d.task import make_model, make_task
    from symrep.experiments.paired_classification import EVAL_CHUNK

    s, flag = row.settings, row.extra["dataset"]
    classes = 11 if flag == "organmnist3d" else 2

    def volumes(n: int) -> VolumePairs:
        labels = np.random.default_rng(1).integers(0, classes, n)
        return VolumePairs(
            _uint8((n, 28, 28, 28)).numpy(),
            labels,
            device,
            augment=AUGMENTED[s["model"]],
            convention=s["convention"],
            organ_label_remap=s["organ_label_remap"],
        )

    val = min(row.val_samples, EVAL_CHUNK)
    model = make_model(s, flag, device)
    task = make_task(s, model, volumes(s["batch_size"]), volumes(val), _generator(2))
    return Built(task, s["batch_size"], volumes, lambda data: setattr(task, "train", data), len, val)


def _smoke(row: Row, device: torch.device, members: int | None) -> Built:
    from symrep.experiments.smoke.data import Windows
    from symrep.experiments.smoke.task import SmokeTask
    from symrep.models.smoke import build

    s = row.settings
    win, tr, hp = s["windows"], s["training"], s["hyperparameters"]
    resolution, sims = row.extra["resolution"], 25
    frames = dict(input_frames=win["input_frames"], offset=win["offset"])

    def windows(n: int, target: int) -> Windows:
        starts = math.ceil(n / sims)
        length = starts + win["offset"] + win["input_frames"] + target
        gen = _generator(3)
        data = torch.randn(sims, length, 2, resolution, resolution, generator=gen).to(device)
        return Windows.grid(data, [0, starts, 1], target_frames=target, **frames)

    val = min(row.val_samples, 2 * tr["batch_size"])
    model = build(
        s["architecture"], s["network"], input_frames=win["input_frames"], resolution=resolution
    ).to(device)
    task = SmokeTask(
        model,
        windows(tr["batch_size"], tr["train_steps"]),
        windows(val, tr["valid_steps"]),
        loss=s["loss"],
        lam=hp.get("lambda", 0.0),
        lr=hp["lr"],
        lr_decay=tr["lr_decay"],
        weight_decay=tr["weight_decay"],
        batch_size=tr["batch_size"],
        train_steps=tr["train_steps"],
        valid_steps=tr["valid_steps"],
        bf16=device.type in tr["bf16"],
        action=s.get("action"),
        pairs=s.get("equivariance_pairs"),
    )
    return Built(
        task,
        tr["batch_size"],
        lambda n: windows(n, tr["train_steps"]),
        lambda data: setattr(task, "train", data),
        len,
        len(task.valid),
    )


def _ensembles(row: Row, device: torch.device, members: int | None) -> Built:
    from symrep.experiments.ensembles.data import Normalizer, augmenter
    from symrep.experiments.ensembles.task import EnsembleTask, TrainingData, member_seed
    from symrep.groups import get_group

    s = row.settings
    group = get_group(s["group"])
    block = row.extra["members_per_job"]
    timed = min(block, members or block)
    normalize = Normalizer(0.1307, 0.3081)

    def data(n: int) -> TrainingData:
        images = torch.rand(n, 1, 28, 28, generator=_generator(0)).to(device)
        labels = torch.randint(0, 10, (n,), generator=_generator(1)).to(device)
        return TrainingData(
            images, labels, augmenter(group, normalize, s["augment_before_normalizing"]), group.order
        )

    val = min(row.val_samples, 1000)  # EnsembleTask.validate's chunk
    validation = (
        normalize(torch.rand(val, 1, 28, 28, generator=_generator(2))).to(device),
        torch.randint(0, 10, (val,), generator=_generator(3)).to(device),
    )
    task = EnsembleTask(
        s["spec"],
        [member_seed(s["seed"], i) for i in range(timed)],
        data(s["batch_size"]),
        optimizer=s["optimizer"],
        lr=s["lr"],
        batch_size=s["batch_size"],
        augmentation=s["augmentation"],
        members_per_batch=min(s["members_per_batch"], timed),
        device=device,
        validation=validation,
    )
    return Built(
        task,
        s["batch_size"],
        data,
        lambda d: setattr(task, "data", d),
        lambda d: len(d.labels),
        val,
        scale=block / timed,
    )


@contextlib.contextmanager
def _unfused_on_meta(device: torch.device):
    """Fused Adam has no meta kernel: on meta (the device guard), the plain update, the same arithmetic one
    tensor at a time; elsewhere nothing changes."""
    if device.type != "meta":
        yield
        return
    adam = torch.optim.Adam
    with mock.patch.object(torch.optim, "Adam", lambda params, **kw: adam(params, **{**kw, "fused": False})):
        yield


def _inpainting(row: Row, device: torch.device, members: int | None) -> Built:
    """Full batch: one step per epoch on all `fit` images; `steps` epochs are timed as `steps` steps."""
    from symrep.experiments.inpainting.data import apply_masks, normalise
    from symrep.experiments.inpainting.task import InpaintingTask, make_model

    s, fit = row.settings, row.extra["fit"]

    def pairs(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        y = normalise(_uint8((n, 28, 28), seed), 0.1307, 0.3081)
        corners = torch.randint(0, 28 - row.extra["mask_size"], (n, 2), generator=_generator(seed + 1))
        return apply_masks(y, corners, row.extra["mask_size"]).to(device), y.to(device)

    with _unfused_on_meta(device):
        task = InpaintingTask(make_model(s, device), pairs(fit), pairs(row.val_samples, 2), s["lr"])
    return Built(
        task,
        fit,
        lambda n: pairs(fit),
        lambda data: setattr(task, "fit", data),
        lambda data: fit,
        row.val_samples,
        full_batch=True,
    )


def _pendulum(row: Row, device: torch.device, members: int | None) -> Built:
    """Chunks of real trajectories drawn as the job's (the experiment's own generator: a chunk anywhere on
    each system's horizon), one batch of them per epoch. Not the first chunks only: on their narrower range
    of states the Scalars N-ODE's steps cost about twice the job's (docs/performance.md)."""
    from symrep.experiments.pendulum.data import build_dataset
    from symrep.experiments.pendulum.run import make_model
    from symrep.experiments.pendulum.task import DynamicsTask

    s, d = row.settings, row.extra["data"]
    batch = min(s["batch_size"], d["train"])
    span = {"train": batch, "val": d["val"], "test": 1}
    built = build_dataset({**d, **span})
    model = make_model(s, built["train"][:, 0]).to(device)
    data = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in built.items()}
    if device.type == "meta":  # the solver reads the output times as floats: keep them readable
        data["chunk_times"] = built["chunk_times"]
    task = DynamicsTask(model, data, s)
    return Built(
        task,
        batch,
        lambda n: data["train"],
        lambda chunks: setattr(task, "train", chunks),
        len,
        len(data["val"]),
        full_batch=True,
    )


#: experiment -> its task at a row's shapes; one entry per training rule (see symrep.budget.ROWS)
BUILDERS: dict[str, Callable[[Row, torch.device, int | None], Built]] = {
    "latent": _latent,
    "ddmnist": _ddmnist,
    "medmnist3d": _medmnist3d,
    "smoke": _smoke,
    "ensembles": _ensembles,
    "inpainting": _inpainting,
    "pendulum": _pendulum,
}


# --- the two paths ---------------------------------------------------------------------------------------

#: the levers in the code that "today" undoes: A, B and F's cudnn.benchmark (docs/performance.md, Levers)
LEVERS_IN_CODE = ("A", "B", "F")


def _undone(levers: tuple[str, ...]) -> dict[str, Callable]:
    """'module:attribute[.attribute]' -> the code before each of `levers`, at every call site of the training
    code: A, the per-element group actions; B, the per-step training loops (tests/oracles.py keeps both
    verbatim)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import oracles as o

    before = {
        "A": {
            "symrep.experiments.latent.data:rot90": o.old_rot90,
            "symrep.experiments.ddmnist.pairs:act_2d": o.old_act_2d,
            "symrep.experiments.ddmnist.pairs:rot90": o.old_rot90,
            "symrep.experiments.medmnist3d.data:cube_rotate": o.old_cube_rotate,
            "symrep.experiments.smoke.task:act": o.old_smoke_act,
            "symrep.experiments.smoke.action:rotate_feature_maps": o.old_rotate_feature_maps,
            "symrep.experiments.ensembles.data:act_2d": o.old_act_2d,
        },
        "B": {
            "symrep.experiments.paired_classification:PairedClassificationTask.train_epoch": o.old_paired_train_epoch,
            "symrep.experiments.smoke.task:SmokeTask.train_epoch": o.old_smoke_train_epoch,
            "symrep.experiments.smoke.task:rollout_rmse": o.old_rollout_rmse,
        },
    }
    return {target: fn for lever in levers for target, fn in before.get(lever, {}).items()}


@contextlib.contextmanager
def levers(path: str, calls: list | None = None, undo: tuple[str, ...] = LEVERS_IN_CODE):
    """Inside: the training code of `path`: "new", as it stands (cudnn.benchmark on, as a run that is not
    deterministic sets it); "today", with the levers `undo` undone (A: the per-element group actions; B: the
    per-step training loops; F: cudnn.benchmark off). Each call of a patched function is appended to
    `calls`."""
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}, not {path!r}")
    benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = path == "new" or "F" not in undo
    try:
        if path == "new":
            yield
            return

        def counted(name, fn):
            def wrapper(*args, **kwargs):
                if calls is not None:
                    calls.append(name)
                return fn(*args, **kwargs)

            return wrapper

        with contextlib.ExitStack() as stack:
            for target, fn in _undone(undo).items():
                module, attributes = target.split(":")
                owner = importlib.import_module(module)
                *path_to, name = attributes.split(".")
                for attribute in path_to:
                    owner = getattr(owner, attribute)
                stack.enter_context(mock.patch.object(owner, name, counted(target, fn)))
            yield
    finally:
        torch.backends.cudnn.benchmark = benchmark


# --- timing ---------------------------------------------------------------------------------------------


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _finite(metrics: dict) -> bool:
    return all(math.isfinite(float(v)) for v in metrics.values())


def time_row(
    row: Row,
    device: torch.device,
    *,
    steps: int,
    warmup: int = 2,
    path: str = "new",
    members: int | None = None,
    same_as: Timing | None = None,
    undo: tuple[str, ...] = LEVERS_IN_CODE,
) -> Timing:
    """Seconds per training step and per validation sample of `row`'s job on `device` (see the module
    docstring; "today" undoes the levers `undo`). `same_as`: the new path's timing, reused for "today" on a
    CPU when the warm-up epoch called no patched function (then both paths run the same code; on a GPU
    cudnn.benchmark still differs)."""
    calls: list[str] = []
    with levers(path, calls, undo):
        built = BUILDERS[row.experiment](row, device, members)
        task, rng = built.task, _generator(4)
        task.model.train()
        built.attach(built.train_data(warmup * built.batch))
        calls.clear()
        warm = [task.train_epoch(0, rng) for _ in range(max(warmup, 1) if built.full_batch else 1)]
        if path == "today" and not calls and same_as is not None and device.type != "cuda":
            return Timing(
                row.timing, path, same_as.step_s, same_as.val_sample_s, 0, same_as.finite, "same code as new"
            )
        data = built.train_data(steps * built.batch)
        built.attach(data)
        epochs = steps if built.full_batch else 1
        timed_steps = steps if built.full_batch else math.ceil(built.train_len(data) / built.batch)
        synchronize(device)
        start = time.perf_counter()
        train = [task.train_epoch(1 + epoch, rng) for epoch in range(epochs)]
        synchronize(device)
        train_s = time.perf_counter() - start
        task.model.eval()
        start = time.perf_counter()
        with torch.no_grad():
            val = task.validate(1)
        synchronize(device)
        val_s = time.perf_counter() - start
    return Timing(
        row.timing,
        path,
        built.scale * train_s / timed_steps,
        built.scale * val_s / built.val_samples,
        timed_steps,
        all(map(_finite, warm + train)) and _finite(val),
    )


# --- the device guard -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _meta_reads(reads: list | None = None):
    """Reading the values of a meta tensor (item, float, int, tolist, cpu) yields 0.5 / zeros instead of
    raising, so the tasks' own epoch bookkeeping runs on meta; nothing else changes. Each read is appended
    to `reads`."""
    originals = {
        name: getattr(torch.Tensor, name) for name in ("item", "__float__", "__int__", "tolist", "cpu")
    }

    def reader(name, fake):
        def read(self, *args, **kwargs):
            if self.device.type == "meta":
                if reads is not None:
                    reads.append(name)
                return fake(self)
            return originals[name](self, *args, **kwargs)

        return read

    fakes = {  # 0.5: a finite value lets value-driven loops (the pendulum's adaptive steps) go on
        "item": lambda t: 0.5 if t.is_floating_point() else 0,
        "__float__": lambda t: 0.5,
        "__int__": lambda t: 0,
        "tolist": lambda t: torch.zeros(t.shape, dtype=t.dtype).tolist(),
        "cpu": lambda t: torch.zeros(t.shape, dtype=t.dtype),
    }
    try:
        for name, fake in fakes.items():
            setattr(torch.Tensor, name, reader(name, fake))
        yield
    finally:
        for name, fn in originals.items():
            setattr(torch.Tensor, name, fn)


def guard_row(row: Row, path: str = "new", members: int | None = 2) -> str:
    """One training step and one validation of `row` with model and data on `meta`, under the device guard:
    "ok", "MIXED DEVICES: ..." (a tensor of another device met the data: it would fail on a GPU), or
    "not checked: ..." (an operation without a meta implementation, or reading meta values, stopped it)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from device_guard import MixedDevicesError, one_device

    meta = torch.device("meta")
    try:
        with levers(path), _meta_reads():
            built = BUILDERS[row.experiment](row, meta, members)  # moving to the device: not guarded
            built.attach(built.train_data(built.batch))
            with one_device():
                built.task.model.train()
                built.task.train_epoch(0, _generator(4))
                built.task.model.eval()
                with torch.no_grad():
                    built.task.validate(0)
    except MixedDevicesError as error:
        return f"MIXED DEVICES: {error}"
    except (NotImplementedError, RuntimeError, TypeError, ValueError) as error:
        return f"not checked: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
    return "ok"


# --- host syncs -----------------------------------------------------------------------------------------


class _Copies(TorchDispatchMode):
    """Counts copies of CPU tensors onto another device: on a GPU each copy from pageable memory waits for
    the GPU to finish its queued work (a host sync)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__
        src, dst = (args[0], kwargs.get("device")) if name == "_to_copy" else (None, None)
        if name == "copy_":
            src, dst = args[1], args[0].device
        if torch.is_tensor(src) and src.device.type == "cpu" and dst is not None:
            self.count += torch.device(dst).type != "cpu"
        return func(*args, **kwargs)


def host_syncs(
    row: Row,
    path: str = "new",
    *,
    undo: tuple[str, ...] = ("B",),
    steps: tuple[int, int] = (2, 4),
    members: int | None = 2,
):
    """Host syncs of `row`'s training on `path` ("today": with levers `undo` undone; lever A's per-element
    actions cannot run on meta, their syncs are counted by tests/test_actions.py), counted on `meta` (copies
    from the CPU onto the device, and reads of device values: item, float, tolist, cpu), over an epoch of
    steps[0] and one of steps[1] steps (full-batch rows: that many epochs). Returns (copies, reads) per step
    and (copies, reads) per epoch besides."""
    meta, counts, reads = torch.device("meta"), [], []
    with levers(path, undo=undo), _meta_reads(reads):
        built = BUILDERS[row.experiment](row, meta, members)
        built.task.model.train()
        built.attach(built.train_data(built.batch))
        built.task.train_epoch(0, _generator(4))  # fills the device tables cached on first use
        for n in steps:
            data = built.train_data(n * built.batch)
            built.attach(data)
            reads.clear()
            with _Copies() as copies:
                for epoch in range(n if built.full_batch else 1):
                    built.task.train_epoch(1 + epoch, _generator(4))
            taken = n if built.full_batch else math.ceil(built.train_len(data) / built.batch)
            counts.append((taken, copies.count, len(reads)))
    (s0, c0, r0), (s1, c1, r1) = counts
    per_step = ((c1 - c0) / (s1 - s0), (r1 - r0) / (s1 - s0))
    per_epoch = (c0 - per_step[0] * s0, r0 - per_step[1] * s0)
    return per_step, per_epoch


def trained_state(
    row: Row, device: torch.device, *, steps: int, path: str, undo: tuple[str, ...], members: int | None = 2
) -> dict[str, torch.Tensor]:
    """The model's state after `steps` training steps of `row` on `path` from a fixed initialisation and seed
    (the bit-identity check of bench/levers.py)."""
    with levers(path, undo=undo):
        torch.manual_seed(0)
        built = BUILDERS[row.experiment](row, device, members)
        built.task.model.train()
        built.attach(built.train_data(steps * built.batch))
        for epoch in range(steps if built.full_batch else 1):
            built.task.train_epoch(epoch, _generator(4))
        synchronize(device)
        return {k: v.detach().clone() for k, v in built.task.model.state_dict().items()}
