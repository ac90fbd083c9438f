"""SMOKE models and training: the paper's parameter counts, the latent tap, rollouts and the published RMSE
definition, the losses, seeded determinism, and Table 6 beside the paper's rows."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
import yaml
from conftest import REPO, bit_equal
from oracles import old_rotate_feature_maps, old_smoke_act

from symrep.actions.vector_field import rotate_feature_maps
from symrep.experiments.smoke import run as smoke_run
from symrep.experiments.smoke import task as smoke_task
from symrep.experiments.smoke.action import act
from symrep.experiments.smoke.data import Windows
from symrep.experiments.smoke.plan import MODELS, SmokePlan
from symrep.experiments.smoke.report import table6
from symrep.experiments.smoke.run import train_run
from symrep.experiments.smoke.task import SmokeTask, rollout, rollout_rmse
from symrep.models.common import count_parameters
from symrep.models.smoke import SmokeCNN, SmokeMLP, build
from symrep.runs import RunJob
from symrep.training import fit

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
PAPER = CONFIG["experiments"]["smoke"]


def run_settings(section: dict, model: str) -> dict:
    return SmokePlan({**CONFIG, "experiments": {"smoke": section}}).run_settings(model)


def test_paper_parameter_counts():
    """Table 6: CNN 0.25M (appendix C.3's network: 247,850), MLP 8.33M."""
    cnn = build("cnn", PAPER["architectures"]["cnn"], input_frames=10, resolution=64)
    mlp = build("mlp", PAPER["architectures"]["mlp"], input_frames=10, resolution=64)
    assert count_parameters(cnn) == 247_850 and round(count_parameters(mlp) / 1e6, 2) == 8.33


def test_cnn_returns_the_last_block_feature_map_as_latent():
    model = SmokeCNN(hidden=12).eval()
    x = torch.randn(3, 20, 16, 16)
    z = model.features(x)
    out = model.head(z)
    assert out.shape == (3, 2, 16, 16) and z.shape == (3, 12, 16, 16)
    assert torch.equal(model.head(z), out) and torch.equal(model(x), out)
    assert SmokeMLP(resolution=8, hidden=4)(torch.randn(2, 20, 8, 8)).shape == (2, 2, 8, 8)
    with pytest.raises(ValueError, match="unknown SMOKE architecture"):
        build("unet", {}, input_frames=10, resolution=64)


class LastFrame(torch.nn.Module):
    """Predicts the last input frame times a learnable factor."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(()))

    def forward(self, x, latent=False):
        out = self.w * x[:, -2:]
        return (out, x[:, -2:] * 1.0) if latent else out


def test_rollout_feeds_predictions_back():
    x = torch.arange(6.0).reshape(1, 6, 1, 1)  # three frames (0, 1), (2, 3), (4, 5)
    model = LastFrame()
    with torch.no_grad():
        model.w.fill_(2.0)
    pred = rollout(model, x, 3)
    assert pred.shape == (1, 3, 2, 1, 1) and pred[0, :, :, 0, 0].tolist() == [[8, 10], [16, 20], [32, 40]]


def test_rmse_is_the_root_of_the_unweighted_mean_of_batch_mses():
    data = torch.randn(1, 12, 2, 3, 3)
    windows = Windows.grid(data, [0, 5, 1], input_frames=2, offset=0, target_frames=3)
    model = LastFrame()
    batches = []
    for index in ([0, 1], [2, 3], [4]):  # the short last batch counts as much as the others
        x, y = windows.batch(torch.tensor(index), 3)
        batches.append(F.mse_loss(rollout(model, x, 3), y).item())
    assert rollout_rmse(model, windows, 3, batch_size=2) == pytest.approx(np.sqrt(np.mean(batches)), rel=1e-6)


def task(loss, lam, action="paper"):
    torch.manual_seed(0)
    data = torch.randn(2, 12, 2, 8, 8)
    windows = Windows.grid(data, [0, 4, 1], input_frames=2, offset=1, target_frames=3)
    return SmokeTask(
        SmokeCNN(4, 2, hidden=6, layers=3),
        windows,
        windows,
        loss=loss,
        lam=lam,
        lr=1e-3,
        lr_decay=0.9,
        weight_decay=4e-4,
        batch_size=4,
        train_steps=3,
        valid_steps=3,
        action=action,
        bf16=False,
    )


@pytest.mark.parametrize("action", ["paper", "released"])
def test_augmented_loss_is_the_papers(action):
    t = task("augmented", 0.005, action)
    x, y = t.train.batch(torch.arange(4), 3)
    k = torch.tensor([0, 1, 2, 3])
    pred, equi = t.losses(x, y, k)
    x_rot = act(k, x, action)
    z, z_rot = t.model.features(x), t.model.features(x_rot)
    out, out_rot = t.model.head(z), t.model.head(z_rot)
    later = rollout(t.model, torch.cat([x[:, 2:], out], 1), 2)
    expected = (
        0.5 * F.mse_loss(out_rot, act(k, y[:, 0], action))
        + 0.5 * F.mse_loss(out, y[:, 0])
        + F.mse_loss(later[:, 0], y[:, 1])
        + F.mse_loss(later[:, 1], y[:, 2])
    )
    assert pred.item() == pytest.approx(expected.item(), rel=1e-5)
    turned = rotate_feature_maps(k, z, y_up=action != "released")
    assert equi.item() == pytest.approx(F.mse_loss(turned, z_rot).item(), rel=1e-5)
    assert task("augmented", 0.0).losses(x, y, k)[1].item() == 0


@pytest.mark.parametrize("action", ["paper", "staggered", "released"])
def test_augmented_loss_and_gradients_are_bit_identical_to_the_per_element_actions(action, monkeypatch):
    """The batched turns (one gather) of the inputs, targets and latent maps give the old loop's loss and
    gradients."""

    def loss_and_grads(t, x, y, k):
        t.model.zero_grad()
        pred, equi = t.losses(x, y, k)
        (pred + equi).backward()
        return [pred.detach(), equi.detach()] + [p.grad.clone() for p in t.model.parameters()]

    t = task("augmented", 0.005, action)
    x, y = t.train.batch(torch.arange(4), 3)
    k = torch.tensor([3, 1, 2, 0])
    new = loss_and_grads(t, x, y, k)
    monkeypatch.setattr(smoke_task, "act", old_smoke_act)
    monkeypatch.setattr(smoke_task, "rotate_feature_maps", old_rotate_feature_maps)
    old = loss_and_grads(t, x, y, k)
    assert all(bit_equal(a, b) for a, b in zip(new, old))


def test_plain_loss_sums_the_rollout_mses():
    t = task("plain", 0.0)
    x, y = t.train.batch(torch.arange(4), 3)
    pred, equi = t.losses(x, y, torch.zeros(4, dtype=torch.long))
    expected = sum(F.mse_loss(p, y[:, i]) for i, p in enumerate(rollout(t.model, x, 3).unbind(1)))
    assert pred.item() == pytest.approx(expected.item(), rel=1e-6) and equi.item() == 0


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke")
    rng = np.random.default_rng(0)
    paths = [root / f"sim{i}.npy" for i in range(3)]
    for p in paths:
        np.save(p, (np.cumsum(rng.standard_normal((14, 2, 8, 8)), axis=0) * 0.1).astype(np.float32))
    return paths


def tiny_run(model):
    cfg = {
        **PAPER,
        "architectures": {"cnn": {"hidden": 4, "layers": 3, "kernel": 3}, "mlp": {"hidden": 4, "layers": 3}},
        "windows": {
            "input_frames": 2,
            "offset": 2,
            "train": [0, 4, 1],
            "valid": [4, 6, 1],
            "test_future": [6, 8, 1],
            "test_domain": [0, 3, 1],
        },
        "training": {
            **PAPER["training"],
            "batch_size": 3,
            "train_steps": 2,
            "valid_steps": 2,
            "test_steps": 3,
            "max_epochs": 2,
            "min_epochs": 0,
        },
    }
    return run_settings(cfg, model)


def tiny_job(model: str, seed: int, data, out) -> RunJob:
    outputs = {k: str(out / f"{model}{seed}.{k}") for k in ("metrics", "history", "weights")}
    inputs = {"train": [str(p) for p in data[:2]], "domain": [str(p) for p in data[2:]]}
    return RunJob(tiny_run(model), seed, inputs, outputs, str(out / f"{model}{seed}.ckpt"), "cpu")


def written(job: RunJob) -> tuple[dict, pd.DataFrame, dict]:
    """The metrics, history and weights a run wrote."""
    out = job.outputs
    metrics = json.loads(Path(out["metrics"]).read_text())
    return metrics, pd.read_csv(out["history"]), torch.load(out["weights"])


@pytest.mark.parametrize("model", list(MODELS))
def test_same_seed_same_run_and_other_seed_other_run(tiny_data, tmp_path, model):
    (m1, h1, w1), (m2, h2, w2), (_m3, _, w3) = (
        written(job)
        for job in (
            tiny_job(model, 0, tiny_data, tmp_path / "a"),
            tiny_job(model, 0, tiny_data, tmp_path / "b"),
            tiny_job(model, 1, tiny_data, tmp_path / "c"),
        )
        if train_run(job)
    )
    assert m1["future_rmse"] == m2["future_rmse"] and m1["domain_rmse"] == m2["domain_rmse"]
    assert h1["val_rmse"].tolist() == h2["val_rmse"].tolist() and len(h1) == 2
    assert all(torch.equal(w1["model"][k], w2["model"][k]) for k in w1["model"])
    assert any(not torch.equal(w1["model"][k], w3["model"][k]) for k in w1["model"] if k.endswith("weight"))
    assert m1["windows"] == {"train": 8, "valid": 4, "test_future": 4, "test_domain": 3}
    assert np.isfinite([m1["future_rmse"], m1["domain_rmse"]]).all() and m1["selected"] == "best"
    assert m1["settings"] == w1["run"] == tiny_run(model) and m1["seed"] == w1["seed"] == 0
    assert m1["params"] == count_parameters(
        build(*(tiny_run(model)[k] for k in ("architecture", "network")), input_frames=2, resolution=8)
    )


def test_a_killed_run_resumes_to_the_same_result(tiny_data, tmp_path, monkeypatch):
    def interrupted_fit(*args, **kwargs):
        def stop(epoch, record):
            if epoch == 1:  # after the first epoch's checkpoint was written
                raise InterruptedError

        return fit(*args, **kwargs, on_epoch=stop)

    full = tiny_job("ours", 0, tiny_data, tmp_path / "full")
    train_run(full)
    resumed = tiny_job("ours", 0, tiny_data, tmp_path / "resumed")
    monkeypatch.setattr(smoke_run, "fit", interrupted_fit)
    with pytest.raises(InterruptedError):
        train_run(resumed)
    assert Path(resumed.checkpoint).exists() and not Path(resumed.outputs["metrics"]).exists()
    monkeypatch.undo()
    metrics = train_run(resumed)
    assert metrics["resumed_from"] == 1 and not Path(resumed.checkpoint).exists()
    (m1, h1, w1), (m2, h2, w2) = written(full), written(resumed)
    assert {k: m1[k] for k in ("future_rmse", "domain_rmse", "best_val_rmse")} == {
        k: m2[k] for k in ("future_rmse", "domain_rmse", "best_val_rmse")
    }
    pd.testing.assert_frame_equal(h1.drop(columns="seconds"), h2.drop(columns="seconds"))
    assert all(torch.equal(w1["model"][k], w2["model"][k]) for k in w1["model"])


def test_run_settings_hold_only_what_the_model_depends_on():
    a, b = (
        run_settings(PAPER, "cnn"),
        run_settings(
            {**PAPER, "hyperparameters": {**PAPER["hyperparameters"], "ours": {"lr": 0.01, "lambda": 1.0}}},
            "cnn",
        ),
    )
    assert a == b and a["network"] == PAPER["architectures"]["cnn"]
    assert run_settings(PAPER, "ours")["hyperparameters"] == {"lr": 0.001, "lambda": 0.005}


def test_table6_puts_each_run_beside_the_papers_row(tmp_path):
    files = []
    for i, (model, seed, future) in enumerate([("cnn", 0, 0.9), ("cnn", 1, 1.1), ("ours", 0, 0.8)]):
        files.append(tmp_path / f"{i}.json")
        files[-1].write_text(
            json.dumps(
                {
                    "model": model,
                    "seed": seed,
                    "future_rmse": future,
                    "domain_rmse": 0.7,
                    "params": 247_850,
                }
            )
        )
    frame = table6(
        files,
        REPO / "config" / "reference" / "table6.yaml",
        tmp_path / "table6",
        scale="test",
        ddof=0,
        training=PAPER["training"],
    )
    assert list(frame["source"][:3]) == ["this run", "paper", "paper"]
    assert frame.loc[0, "future"] == "1.000 (0.100)" and frame.loc[0, "params_m"] == "0.248"
    ours = frame[(frame.model == "Ours")]
    assert list(ours.source) == ["this run", "paper"] and ours.iloc[1]["future"] == "0.78 (0.01)"
    assert (frame[frame.model == "PSCNN"].runs == "not reproduced").all()
    assert len(pd.read_csv(tmp_path / "table6.csv")) == 12
    assert "20-step" in (tmp_path / "table6.md").read_text()
