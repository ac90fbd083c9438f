"""SMOKE models and training: the paper's parameter counts, the latent tap, rollouts and the published RMSE
definition, the losses (the released latent pairs included), seeded determinism, the protocols' runs and
tests, and Table 6 beside the paper's rows with its verdicts and the claim."""

import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
import yaml
from conftest import REPO, bit_equal, snakemake
from oracles import old_rotate_feature_maps, old_smoke_act

from symrep.experiments.smoke import run as smoke_run
from symrep.experiments.smoke import task as smoke_task
from symrep.experiments.smoke.action import ACTIONS, act, turn_feature_maps
from symrep.experiments.smoke.data import Windows
from symrep.experiments.smoke.plan import MODELS, SmokePlan
from symrep.experiments.smoke.report import render
from symrep.experiments.smoke.run import train_run
from symrep.experiments.smoke.task import SmokeTask, equivariance_loss, rollout, rollout_rmse
from symrep.models.common import count_parameters
from symrep.models.smoke import SmokeCNN, SmokeMLP, build
from symrep.report.claims import evaluate, load_claims
from symrep.runs import RunJob
from symrep.training import fit

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
PAPER = CONFIG["experiments"]["smoke"]


def smoke_plan(section: dict) -> SmokePlan:
    return SmokePlan({**CONFIG, "experiments": {"smoke": section}})


def run_settings(section: dict, model: str, protocol: str = "described") -> dict:
    plan = smoke_plan(section)
    return plan.run_settings(plan.options(protocol), model)


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


def task(loss, lam, action="staggered", pairs="per_sample"):
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
        bf16=False,
        action=action,
        pairs=pairs,
    )


@pytest.mark.parametrize("action", ACTIONS)
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
    turned = turn_feature_maps(k, z, action)
    assert equi.item() == pytest.approx(F.mse_loss(turned, z_rot).item(), rel=1e-5)
    assert task("augmented", 0.0).losses(x, y, k)[1].item() == 0


def authors_equivariance_loss(z: torch.Tensor, z_rot: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """The authors' SMOKE/utils.py (@0d628a1) for latent_action="grid", paraphrased with the same types:
    `rotate_latents` (l. 668-697) turns each sample's map by its k (torch.rot90) and returns a tensor; the
    model returns its latents as a list; `get_transformation_loss` (l. 621-630) sums F.mse_loss over
    zip(tensor, list) (called at l. 799)."""
    turned = torch.zeros_like(z)
    for kk in k.unique():
        mask = k == kk
        turned[mask] = torch.rot90(z[mask], k=int(kk), dims=(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # F.mse_loss: "Using a target size ... different"
        return sum(F.mse_loss(t, l2) for t, l2 in zip(turned, [z_rot]))


def test_released_pairs_are_the_authors_sample_0_against_the_batch():
    """A hand-made batch: 1×1 maps a, b (turned latents) and c, d (latents of the turned inputs). The
    authors' loss is ((a − c)² + (a − d)²) / 2, the per-sample one ((a − c)² + (b − d)²) / 2."""
    turned, z_rot = torch.tensor([1.0, 2.0]).view(2, 1, 1, 1), torch.tensor([4.0, 7.0]).view(2, 1, 1, 1)
    assert equivariance_loss(turned, z_rot, "first_vs_all").item() == (9 + 36) / 2
    assert equivariance_loss(turned, z_rot, "per_sample").item() == (9 + 25) / 2
    assert authors_equivariance_loss(turned, z_rot, torch.tensor([0, 0])).item() == (9 + 36) / 2
    with pytest.raises(ValueError, match="unknown equivariance pairs"):
        equivariance_loss(turned, z_rot, "zip")


def test_released_loss_of_a_training_batch_equals_the_authors():
    """The task's equivariance loss under the released options equals the authors' code on the same
    latents (their grid turn: torch.rot90, as the released action turns the inputs), and differs from
    the per-sample loss."""
    t = task("augmented", 0.005, "released", "first_vs_all")
    x, y = t.train.batch(torch.arange(4), 3)
    k = torch.tensor([1, 0, 3, 2])
    _, equi = t.losses(x, y, k)
    z, z_rot = t.model.features(x), t.model.features(act(k, x, "released"))
    assert equi.item() == pytest.approx(authors_equivariance_loss(z, z_rot, k).item(), rel=1e-6)
    per_sample = task("augmented", 0.005, "released", "per_sample").losses(x, y, k)[1]
    assert abs(per_sample.item() - equi.item()) > 1e-3 * equi.item()


@pytest.mark.parametrize("action", ["staggered", "released"])
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
    monkeypatch.setattr(
        smoke_task, "turn_feature_maps", lambda k, z, a: old_rotate_feature_maps(k, z, y_up=a != "released")
    )
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


TINY = {
    **PAPER,
    "protocol_options": {
        "released": {**PAPER["protocol_options"]["released"], "test_steps": 3},
        "described": {**PAPER["protocol_options"]["described"], "test_steps": 2},
    },
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
        "max_epochs": 2,
        "min_epochs": 0,
    },
}


def tiny_run(model: str, protocol: str = "described") -> dict:
    """The training job's settings of `model`'s run under `protocol` (its variant's)."""
    plan = smoke_plan(TINY)
    return plan.train_settings(SimpleNamespace(variant=plan.variant_of(protocol, model), model=model))


def tiny_job(model: str, seed: int, data, out, protocol: str = "described") -> RunJob:
    outputs = {k: str(out / f"{model}{seed}.{k}") for k in ("metrics", "history", "weights")}
    inputs = {"train": [str(p) for p in data[:2]], "domain": [str(p) for p in data[2:]]}
    return RunJob(tiny_run(model, protocol), seed, inputs, outputs, str(out / f"{model}{seed}.ckpt"), "cpu")


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
    assert m1["evaluations"] == m2["evaluations"]
    assert h1["val_rmse"].tolist() == h2["val_rmse"].tolist() and len(h1) == 2
    assert all(torch.equal(w1["model"][k], w2["model"][k]) for k in w1["model"])
    assert any(not torch.equal(w1["model"][k], w3["model"][k]) for k in w1["model"] if k.endswith("weight"))
    assert m1["windows"] == {"train": 8, "valid": 4, "test_future": 4, "test_domain": 3}
    tests = [v for t in m1["evaluations"].values() for v in (t["future_rmse"], t["domain_rmse"])]
    assert np.isfinite(tests).all()
    assert m1["settings"] == w1["run"] == tiny_run(model) and m1["seed"] == w1["seed"] == 0
    assert m1["params"] == count_parameters(
        build(*(tiny_run(model)[k] for k in ("architecture", "network")), input_frames=2, resolution=8)
    )


def test_one_job_tests_a_common_run_under_each_protocol(tiny_data, tmp_path):
    """The CNN is trained once (variant common) and tested under both protocols in the same job: the
    released test rolls out the last epoch's weights 3 steps, the described one the best-validation
    weights 2 steps (both stored in model.pt)."""
    job = tiny_job("cnn", 0, tiny_data, tmp_path)
    assert Path(job.outputs["metrics"]).parent == tmp_path and job.settings["evaluations"] == {
        "released": {"test_steps": 3, "tested_weights": "last"},
        "described": {"test_steps": 2, "tested_weights": "best"},
    }
    train_run(job)
    metrics, history, weights = written(job)
    assert metrics["best_epoch"] == 1 + int(np.argmin(history["val_rmse"]))
    model = build("cnn", job.settings["network"], input_frames=2, resolution=8).eval()
    future = Windows.grid(
        torch.from_numpy(np.stack([np.load(p) for p in tiny_data[:2]])),
        TINY["windows"]["test_future"],
        input_frames=2,
        offset=2,
        target_frames=3,
    )
    for protocol, state, steps in (("released", "model", 3), ("described", "best_model", 2)):
        model.load_state_dict(weights[state])
        test = metrics["evaluations"][protocol]
        assert test["future_rmse"] == pytest.approx(rollout_rmse(model, future, steps, 3), rel=1e-6)
    ours = tiny_job("ours", 0, tiny_data, tmp_path, protocol="released")
    assert list(ours.settings["evaluations"]) == ["released"]


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
    assert {k: m1[k] for k in ("evaluations", "best_val_rmse")} == {
        k: m2[k] for k in ("evaluations", "best_val_rmse")
    }
    pd.testing.assert_frame_equal(h1.drop(columns="seconds"), h2.drop(columns="seconds"))
    for state in ("model", "best_model"):
        assert all(torch.equal(w1[state][k], w2[state][k]) for k in w1[state])


def test_run_settings_hold_only_what_the_model_depends_on():
    a, b = (
        run_settings(PAPER, "cnn"),
        run_settings(
            {**PAPER, "hyperparameters": {**PAPER["hyperparameters"], "ours": {"lr": 0.01, "lambda": 1.0}}},
            "cnn",
        ),
    )
    assert a == b and a["network"] == PAPER["architectures"]["cnn"]
    assert "action" not in a and "equivariance_pairs" not in a
    assert "equivariance_pairs" not in run_settings(PAPER, "cnn_aug")
    ours = run_settings(PAPER, "ours", "released")
    assert ours["hyperparameters"] == {"lr": 0.001, "lambda": 0.005}
    assert (ours["action"], ours["equivariance_pairs"]) == ("released", "first_vs_all")


def test_protocol_bundles_set_exactly_the_released_and_the_described_values():
    assert PAPER["protocols"] == ["released", "described"]
    assert PAPER["protocol_options"] == {
        "released": {
            "action": "released",
            "equivariance_pairs": "first_vs_all",
            "test_steps": 20,
            "tested_weights": "last",
        },
        "described": {
            "action": "staggered",
            "equivariance_pairs": "per_sample",
            "test_steps": 6,
            "tested_weights": "best",
        },
    }
    assert not {"action", "select", "test_steps"} & set(PAPER["training"]) and PAPER["training"]["bf16"] == []


def test_runs_differ_by_protocol_exactly_where_their_training_does():
    """Paper scale: the CNN and the MLP are trained once (common) and tested under both protocols; the
    augmented CNN and Ours once per protocol: 6 training jobs per seed, 30 in all."""
    plan = smoke_plan(PAPER)
    variants = {m: {plan.variant_of(p, m) for p in ("released", "described")} for m in MODELS}
    assert variants == {
        "cnn": {"common"},
        "mlp": {"common"},
        "cnn_aug": {"released", "described"},
        "ours": {"released", "described"},
    }
    assert len(plan.metrics()) == 6 * 5 and len(plan.table_runs()) == 2 * 4 * 5
    assert plan.evaluations("common", "mlp") == {
        p: {"test_steps": o["test_steps"], "tested_weights": o["tested_weights"]}
        for p, o in PAPER["protocol_options"].items()
    }
    assert list(plan.evaluations("described", "ours")) == ["described"]
    dry = snakemake("-n", "--cores", "1", "smoke")
    jobs = [line.split("wildcards: ")[1] for line in dry.stdout.splitlines() if "wildcards: variant=" in line]
    assert len(jobs) == len(set(jobs)) == 30
    assert sum("variant=common" in j for j in jobs) == 10
    assert sum("variant=released" in j for j in jobs) == sum("variant=described" in j for j in jobs) == 10


def test_quick_runs_one_protocol_and_test_runs_both():
    quick = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())["experiments"]["smoke"]
    test = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())["experiments"]["smoke"]
    assert quick["protocols"] == ["described"] and "protocols" not in test


# --- Table 6 -------------------------------------------------------------------------------------------------


def fake_run(tmp_path, variant: str, model: str, seed: int, tests: dict) -> str:
    """A metrics file as train_run writes it, with each protocol's (Future, Domain) RMSE."""
    file = tmp_path / "results" / "smoke" / variant / model / f"seed{seed}" / "metrics.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    options = PAPER["protocol_options"]
    evaluations = {
        p: {
            "test_steps": options[p]["test_steps"],
            "tested_weights": options[p]["tested_weights"],
            "future_rmse": f,
            "domain_rmse": d,
        }
        for p, (f, d) in tests.items()
    }
    settings = run_settings(PAPER, model, variant if variant != "common" else "described")
    file.write_text(
        json.dumps(
            {
                "model": model,
                "seed": seed,
                "params": 247_850,
                "evaluations": evaluations,
                "settings": settings,
                "best_epoch": 3,
                "epochs": 5,
            }
        )
    )
    return str(file)


def test_table6_has_a_protocol_per_row_and_a_verdict_per_cell_and_decides_the_claim(tmp_path):
    runs = []
    for seed, shift in ((0, -0.01), (1, 0.01)):
        cnn = fake_run(
            tmp_path, "common", "cnn", seed, {"released": (0.81 + shift, 0.63), "described": (0.5, 0.4)}
        )
        runs += [["released", cnn], ["described", cnn]]
        for protocol, future in (("released", 0.77), ("described", 0.9)):
            ours = fake_run(tmp_path, protocol, "ours", seed, {protocol: (future + shift, 0.61)})
            aug = fake_run(tmp_path, protocol, "cnn_aug", seed, {protocol: (0.83, 0.67)})
            runs += [[protocol, ours], [protocol, aug]]
    out = tmp_path / "out"
    frame = render(
        runs,
        REPO / "config" / "reference" / "table6.yaml",
        table=out / "table6",
        runs_csv=out / "runs.csv",
        verdicts_csv=out / "verdicts.csv",
        scale="paper",
        ddof=0,
        training=PAPER["training"],
    )
    cnn = frame[(frame.model == "CNN") & (frame.aug == "No")]
    assert list(cnn.source) == ["this run", "this run", "paper"]
    assert list(cnn.protocol) == ["released", "described", ""]
    assert cnn.iloc[0]["Future"] == "0.810 (0.010)" and cnn.iloc[0]["Future verdict"] == "reproduced"
    assert cnn.iloc[1]["Future"] == "0.500 (0.000)" and cnn.iloc[1]["Future verdict"] == "differs"
    assert cnn.iloc[0]["params (M)"] == "0.25" and cnn.iloc[2]["Future"] == "0.810 (0.010)"
    assert (frame[frame.model == "PSCNN"].source == "paper (not reproduced here)").all()
    assert (
        list(frame.model.drop_duplicates())[:3] == ["CNN", "MLP", "E2CNN"] and frame.model.iloc[-1] == "Ours"
    )
    verdicts = pd.read_csv(out / "verdicts.csv")
    assert len(verdicts) == 2 * 3 * 2 and set(verdicts["column"]) == {"Future", "Domain"}
    assert len(pd.read_csv(out / "runs.csv")) == len(runs)
    md = (out / "table6.md").read_text()
    assert "protocol released: 20-step test rollouts, last-epoch weights tested" in md
    assert "protocol described: 6-step test rollouts, best-epoch weights tested" in md
    claim = [
        c for c in load_claims(REPO / "config" / "reference" / "claims.yaml") if c["experiment"] == "smoke"
    ]
    outcomes = evaluate(claim, verdicts, pd.DataFrame(), {"smoke"})
    assert dict(zip(outcomes["protocol"], outcomes["outcome"])) == {"released": "holds", "described": "fails"}
