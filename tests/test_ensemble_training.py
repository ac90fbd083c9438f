"""Batched ensemble training: a member trained inside a batch equals the same member trained alone;
seeded determinism; resuming a killed block; the block job's outputs."""

import json

import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from symrep.data.fixtures import write_idx_dataset
from symrep.experiments.ensembles import evaluate, run
from symrep.experiments.ensembles.data import Normalizer, augmenter
from symrep.experiments.ensembles.task import EnsembleTask, TrainingData, epoch_generator, member_seed
from symrep.groups import get_group
from symrep.models.ensemble_cnns import build_member
from symrep.runs import RunJob

NF = {"model": "support_cnn", "support": "asym", "channels": 16, "init": "symmetric"}
GK = {"model": "plain_cnn", "channels": [4, 8, 8], "hidden": 16}
SETUPS = {  # (spec, group, optimizer, lr, augmentation, before normalising)
    "nordenfors_flinth": (NF, "C16", "sgd", 0.01, "random", False),
    "gerken_kessel": (GK, "C8", "adam", 0.001, "full", True),
}


def toy_data(group, before, n=40):
    gen = torch.Generator().manual_seed(0)
    images, labels = torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)
    normalize = Normalizer(0.3, 0.4)
    return TrainingData(images, labels, augmenter(group, normalize, before), group.order), normalize


def train_alone(spec, seed, data, optimizer, lr, augmentation, epochs, batch_size):
    """The reference: one plain nn.Module, its own optimiser, the member's own epoch plan, no stacking."""
    model = build_member(spec, seed)
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=lr)
    n = len(data.labels)
    for epoch in range(epochs):
        gen = epoch_generator(seed, epoch)
        order, elements = (
            torch.randperm(n, generator=gen),
            torch.randint(data.group_order, (n,), generator=gen),
        )
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            x, y = data.images[idx], data.labels[idx]
            if augmentation == "random":
                x = data.augment(elements[idx], x)
            else:
                x = torch.cat([data.augment(g, x).unsqueeze(1) for g in range(data.group_order)], 1).flatten(
                    0, 1
                )
                y = y.repeat_interleave(data.group_order)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


@pytest.mark.parametrize("setup", list(SETUPS))
@pytest.mark.parametrize("members_per_batch", [1, 3])
def test_a_batched_member_equals_the_same_member_trained_alone(setup, members_per_batch):
    spec, group_name, optimizer, lr, augmentation, before = SETUPS[setup]
    group = get_group(group_name)
    data, normalize = toy_data(group, before)
    seeds = [member_seed(0, i) for i in range(3)]
    validation = (normalize(data.images[:8]), data.labels[:8])
    task = EnsembleTask(
        spec,
        seeds,
        data,
        optimizer=optimizer,
        lr=lr,
        batch_size=16,
        augmentation=augmentation,
        members_per_batch=members_per_batch,
        device=torch.device("cpu"),
        validation=validation,
    )
    for epoch in range(2):
        task.train_epoch(epoch, torch.Generator())
    alone = train_alone(spec, seeds[1], data, optimizer, lr, augmentation, epochs=2, batch_size=16)
    start = build_member(spec, seeds[1]).state_dict()
    for name, value in alone.state_dict().items():
        batched = task.model.stacked_state()[name][1]
        assert not torch.equal(value, start[name])  # it did train
        # the loop runs the very same kernels (bit-identical); vmap's batched convolutions round differently
        tolerance = {"atol": 0, "rtol": 0} if members_per_batch == 1 else {"atol": 1e-4, "rtol": 1e-4}
        torch.testing.assert_close(batched, value, **tolerance, msg=name)


def test_member_seeds_are_distinct_and_stable():
    seeds = [member_seed(0, i) for i in range(1000)]
    assert len(set(seeds)) == 1000 and seeds[:3] == [member_seed(0, i) for i in range(3)]
    assert member_seed(1, 0) != member_seed(0, 0) and all(0 <= s < 2**63 for s in seeds)


def test_full_augmentation_feeds_every_orbit_element():
    group = get_group("C4")
    data, normalize = toy_data(group, before=True, n=4)
    task = EnsembleTask(
        GK,
        [1, 2],
        data,
        optimizer="adam",
        lr=1e-3,
        batch_size=4,
        augmentation="full",
        members_per_batch=1,
        device=torch.device("cpu"),
        validation=(normalize(data.images), data.labels),
    )
    x, y = task._inputs(torch.tensor([[0, 1], [2, 3]]), None)
    assert x.shape == (2, 8, 1, 28, 28)
    assert torch.equal(y, data.labels[torch.tensor([[0] * 4 + [1] * 4, [2] * 4 + [3] * 4])])
    for g in range(4):
        torch.testing.assert_close(x[0, g], normalize(torch.rot90(data.images[0], g, (-2, -1))))


@pytest.fixture(scope="module")
def mnist_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("mnist")
    write_idx_dataset(root, seed=1, n_train=120, n_test=40)
    return [
        str(root / n)
        for n in (
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        )
    ]


def block_settings(**changes):
    return {
        "group": "C4",
        "spec": {**NF, "support": "sym"},
        "members_per_batch": 2,
        "dataset": "mnist",
        "seed": 0,
        "train_samples": 64,
        "epochs": 3,
        "augment_before_normalizing": False,
        "optimizer": "sgd",
        "lr": 0.01,
        "batch_size": 16,
        "augmentation": "random",
        "members": [2, 5],
        "val_samples": 16,
        "keep_epochs": True,
        **changes,
    }


OUTPUTS = {"weights": "weights.pt", "metrics": "metrics.json", "history": "history.csv"}


def run_block(tmp_path, files, name, settings, checkpoint=None):
    out = tmp_path / name
    out.mkdir()
    job = RunJob(
        settings=settings,
        seed=settings["seed"],
        inputs={"data": files},
        outputs={key: str(out / file) for key, file in OUTPUTS.items()},
        checkpoint=str(checkpoint or out / "block.ckpt"),
        device="cpu",
    )
    run.train_run(job)
    return torch.load(out / "weights.pt", weights_only=False)


def test_block_job_is_deterministic_and_keeps_every_epoch(tmp_path, mnist_files):
    a = run_block(tmp_path, mnist_files, "a", block_settings())
    b = run_block(tmp_path, mnist_files, "b", block_settings())
    assert a["members"] == [2, 3, 4] and a["seeds"] == [member_seed(0, i) for i in (2, 3, 4)]
    assert sorted(a["snapshots"]) == [0, 1, 2, 3]
    for epoch, state in a["snapshots"].items():
        for name, value in state.items():
            assert value.shape[0] == 3 and torch.equal(value, b["snapshots"][epoch][name]), (epoch, name)
    init = build_member(block_settings()["spec"], member_seed(0, 3)).state_dict()
    for name, value in init.items():
        assert torch.equal(a["snapshots"][0][name][1], value)
    assert (
        not (tmp_path / "a" / "block.ckpt").exists() and not (tmp_path / "a" / "block.ckpt.epochs").exists()
    )
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["members"] == [2, 3, 4] and metrics["seed"] == 0
    assert metrics["settings"] == block_settings()  # the settings were not changed in place


def test_killed_block_resumes_to_the_same_weights(tmp_path, mnist_files, monkeypatch):
    settings = block_settings()
    full = run_block(tmp_path, mnist_files, "full", settings)
    real_fit = run.fit

    def interrupted(task, **kwargs):
        def on_epoch(epoch, record):
            kwargs["on_epoch"](epoch, record)
            if epoch == 1:
                raise InterruptedError  # after epoch 1's snapshot, before its checkpoint

        return real_fit(task, **{**kwargs, "on_epoch": on_epoch})

    checkpoint = tmp_path / "killed.ckpt"
    monkeypatch.setattr(run, "fit", interrupted)
    with pytest.raises(InterruptedError):
        run_block(tmp_path, mnist_files, "killed", settings, checkpoint)
    assert checkpoint.exists()
    monkeypatch.setattr(run, "fit", real_fit)
    resumed = run_block(tmp_path, mnist_files, "resumed", settings, checkpoint)
    for epoch, state in full["snapshots"].items():
        for name, value in state.items():
            torch.testing.assert_close(resumed["snapshots"][epoch][name], value, rtol=0, atol=0)


def test_evaluation_does_not_depend_on_how_members_were_blocked(tmp_path, mnist_files):
    """Members [0, 4) trained as one block or as two blocks of two give the same evaluation CSV."""
    settings = block_settings(
        members=[0, 4], epochs=1, train_samples=32, keep_epochs=True, members_per_batch=1
    )
    one = run_block(tmp_path, mnist_files, "one", settings)
    run_block(tmp_path, mnist_files, "two_a", {**settings, "members": [0, 2]})
    run_block(tmp_path, mnist_files, "two_b", {**settings, "members": [2, 4]})
    assert one["members"] == [0, 1, 2, 3]
    evaluation = {
        **settings,
        "architecture": "sym",
        "ood_dataset": None,
        "ood_normalization": "train",
        "eval_samples": 16,
        "sizes": [2, 4],
        "draw": "bootstrap",
        "bootstraps": 3,
        "mean": "logits",
        "curve_epochs": [0, 1],
        "curve_samples": 8,
        "chunk": 5,
    }
    evaluate.evaluate(
        evaluation,
        mnist_files,
        [],
        [str(tmp_path / "one" / "weights.pt")],
        str(tmp_path / "one.csv"),
        device="cpu",
    )
    evaluate.evaluate(
        evaluation,
        mnist_files,
        [],
        [str(tmp_path / n / "weights.pt") for n in ("two_a", "two_b")],
        str(tmp_path / "two.csv"),
        device="cpu",
    )
    a, b = pd.read_csv(tmp_path / "one.csv"), pd.read_csv(tmp_path / "two.csv")
    pd.testing.assert_frame_equal(a, b)
    assert set(a.kind) == {"member", "ensemble", "curve_member", "curve_ensemble"} and set(a.eval_set) == {
        "id",
        "ood",
    }
    assert len(a[a.kind == "ensemble"]) == 2 * 2 * 3 and a.osp.between(1, 4).all()
