"""DDMNIST: dataset construction, per-digit augmentation, the CNN, the paired training task, Table 4."""

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, bit_equal, snakemake
from oracles import act_two_digit, old_act_2d, old_rot90

from symrep.actions.planar import act_2d, rotate
from symrep.config import ConfigError
from symrep.experiments.ddmnist import pairs as ddmnist_pairs
from symrep.experiments.ddmnist import run as ddmnist_run
from symrep.experiments.ddmnist.data import build_ddmnist, sample_pairs
from symrep.experiments.ddmnist.pairs import (
    MEAN,
    STD,
    DDMNISTPairs,
    PairAugmentation,
    act_digits,
    compose,
    digit_noise,
)
from symrep.experiments.ddmnist.plan import DDMNISTPlan
from symrep.experiments.ddmnist.report import accuracy_table, table4
from symrep.experiments.ddmnist.run import train_run
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.groups import get_group
from symrep.losses import latent_equivariance_loss
from symrep.models.common import count_parameters
from symrep.models.ddmnist import DDMNISTCNN
from symrep.report.reference import reference_frame
from symrep.representations import latent_representation
from symrep.runs import RunJob
from symrep.training import fit

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def one_thread():
    """Training jobs run with one torch thread (rule threads: 1); on a shared 2-core machine two are slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fake_mnist(n_train=300, n_test=100, seed=0):
    """Images whose pixel (0, 0) is the label, (0, 1) the split (1 train, 2 test) and (0, 2) the index mod 256,
    plus a smooth asymmetric blob so that rotations and flips are distinguishable."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n, tag in (("train", n_train, 1), ("test", n_test, 2)):
        labels = rng.permutation(np.arange(n) % 10)
        images = np.zeros((n, 28, 28), np.uint8)
        images[:, 8:20, 10:14] = 200
        images[:, 8:12, 14:22] = 120
        images[:, 0, 0], images[:, 0, 1], images[:, 0, 2] = labels, tag, np.arange(n) % 256
        out[f"{split}_images"], out[f"{split}_labels"] = images, labels
    return out


SIZES = {"train": 3, "val": 1, "test": 2}


# --- model ---------------------------------------------------------------------------------------------------


def test_cnn_has_the_papers_parameter_count_and_exposes_the_latent():
    model = DDMNISTCNN()
    assert count_parameters(model) == 33_742  # appendix C.1 with 66 final filters (Table 4: 0.03M)
    assert count_parameters(DDMNISTCNN(latent_dim=48)) == 31_240  # PSCNN's original 48 filters
    model.eval()
    x = torch.randn(5, 1, 56, 56)
    z = model.features(x)
    assert z.shape == (5, 66) and model(x).shape == (5, 100)
    assert torch.equal(model(x), model.head(z))
    channels_last = DDMNISTCNN().to(memory_format=torch.channels_last)  # how the pipeline trains it (faster)
    channels_last.load_state_dict(model.state_dict())
    assert torch.allclose(channels_last.eval()(x), model(x), atol=1e-5)


# --- dataset -------------------------------------------------------------------------------------------------


def test_pairs_are_drawn_per_class_from_the_right_digits():
    mnist = fake_mnist()
    digits, labels = sample_pairs(mnist["train_images"], mnist["train_labels"], 4, np.random.default_rng(0))
    assert digits.shape == (400, 2, 28, 28) and digits.dtype == np.uint8
    assert np.array_equal(np.bincount(labels), np.full(100, 4))
    assert np.array_equal(digits[:, 0, 0, 0], labels // 10) and np.array_equal(
        digits[:, 1, 0, 0], labels % 10
    )


def test_splits_sizes_sources_and_seeding():
    mnist = fake_mnist()
    data = build_ddmnist(mnist, SIZES, seed=3)
    for split, per_class in SIZES.items():
        assert data[f"{split}_digits"].shape == (100 * per_class, 2, 28, 28)
        assert data[f"{split}_labels"].tolist() == np.repeat(np.arange(100), per_class).tolist()
        source = 1 if split == "train" else 2  # train from MNIST train, val and test from MNIST test
        assert (data[f"{split}_digits"][:, :, 0, 1] == source).all()
    again, other = build_ddmnist(mnist, SIZES, seed=3), build_ddmnist(mnist, SIZES, seed=4)
    assert all(torch.equal(data[k], again[k]) for k in data)
    assert not torch.equal(data["train_digits"], other["train_digits"])
    assert not torch.equal(data["val_digits"], data["test_digits"][:100])  # independent draws


def test_sample_pairs_names_a_missing_digit():
    mnist = fake_mnist()
    keep = mnist["train_labels"] != 7
    with pytest.raises(ValueError, match=r"digit\(s\) \[7\]"):
        sample_pairs(mnist["train_images"][keep], mnist["train_labels"][keep], 1, np.random.default_rng(0))


def test_compose_places_the_digits_and_normalises():
    digits = torch.zeros(2, 2, 28, 28)
    digits[:, 0] = 1.0
    canvas = compose(digits)
    assert canvas.shape == (2, 1, 56, 56)
    background = -MEAN / STD
    assert torch.allclose(canvas[:, 0, 14:42, :28], torch.tensor((1 - MEAN) / STD))
    assert torch.allclose(canvas[:, 0, 14:42, 28:], torch.tensor(background))
    assert torch.allclose(canvas[:, 0, :14], torch.tensor(background))
    assert torch.allclose(canvas[:, 0, 42:], torch.tensor(background))


# --- augmentation --------------------------------------------------------------------------------------------


def blobs(n, seed=0):
    """Smooth random asymmetric digits in [0, 1], (n, 1, 28, 28), zero near the border."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(n, 1, 28, 28)
    x[:, :, 6:22, 6:22] = torch.rand(n, 1, 16, 16, generator=g)
    return torch.nn.functional.avg_pool2d(x, 3, 1, 1)


def test_noise_choices_follow_the_paper_and_the_released_code():
    assert digit_noise("C4", "rotate_and_back") == "rotate_and_back"
    assert digit_noise("C4", "rotate_then_rot90") == "rotate_then_rot90"
    assert (
        digit_noise("D4", "rotate_then_rot90") == "rotate_and_back"
    )  # the released D4 code matches the paper
    assert digit_noise("D1") == "none"
    with pytest.raises(ValueError, match="c4_noise"):
        digit_noise("C4")


@pytest.mark.parametrize("group", ["C4", "D1", "D4"])
@pytest.mark.parametrize("noise", ["rotate_and_back", "rotate_then_rot90"])
def test_zero_noise_angle_gives_the_exact_action(group, noise):
    factor = get_group(group)
    g = torch.arange(factor.order).repeat(3)
    x = blobs(len(g))
    noisy = act_digits(factor, g, x, torch.zeros(len(g)), noise)
    assert torch.allclose(noisy, act_2d(factor, g, x), atol=1e-5)


@pytest.mark.parametrize("group", ["C4", "D4"])
def test_paper_noise_keeps_the_group_element(group):
    """Rotating by θ and back leaves the net transformation g: the exact action of g is the nearest one."""
    factor = get_group(group)
    g = torch.arange(factor.order).repeat(4)
    x = blobs(len(g), seed=1)
    theta = torch.rand(len(g), generator=torch.Generator().manual_seed(2)) * 360 - 180
    noisy = act_digits(factor, g, x, theta, "rotate_and_back")
    exact = torch.stack([act_2d(factor, h, x) for h in range(factor.order)])  # (|F|, N, 1, 28, 28)
    distance = (exact - noisy).flatten(2).norm(dim=2)
    assert torch.equal(distance.argmin(0), g)
    assert not torch.allclose(noisy, exact[g, torch.arange(len(g))], atol=1e-3)  # artefacts are there


def test_released_c4_noise_rotates_by_theta_plus_quarter_turns():
    """The released code's C4 augmentation: the net rotation is θ + 90k, not the group element's 90k."""
    factor = get_group("C4")
    x, g, theta = blobs(4), torch.tensor([0, 1, 2, 3]), torch.full((4,), 45.0)
    released = act_digits(factor, g, x, theta, "rotate_then_rot90")
    exact = act_2d(factor, g, x)
    assert torch.allclose(released, rotate(theta, exact), atol=1e-5)
    assert (released - exact).flatten(1).norm(dim=1).min() > 0.2 * exact.flatten(1).norm(dim=1).min()


@pytest.mark.parametrize("group", ["C4", "D1", "D4"])
def test_pair_action_is_the_product_group_on_the_canvas(group):
    """Without noise, element (a, b) on a pair equals the toolkit's two-digit action of a×b on the canvas."""
    augmentation = PairAugmentation(group, "none")
    product = augmentation.product
    g = torch.arange(product.order)
    digits = blobs(2 * product.order).reshape(product.order, 2, 28, 28)
    moved = compose(augmentation.apply(g, digits, torch.zeros(product.order, 2)))
    assert torch.allclose(moved, act_two_digit(product, g, compose(digits)), atol=1e-6)


@pytest.mark.parametrize(
    "group,noise",
    [("C4", "rotate_and_back"), ("C4", "rotate_then_rot90"), ("D1", "none"), ("D4", "rotate_and_back")],
)
def test_pairs_are_bit_identical_to_the_per_element_actions(group, noise, monkeypatch):
    """The batched actions (one gather) give the training pairs the old per-element loop gave."""
    data = build_ddmnist(fake_mnist(), SIZES, seed=0)
    source = DDMNISTPairs(data["train_digits"], data["train_labels"], PairAugmentation(group, noise), CPU)
    new = source.batch(torch.arange(64), torch.Generator().manual_seed(6), True)
    monkeypatch.setattr(ddmnist_pairs, "act_2d", old_act_2d)
    monkeypatch.setattr(ddmnist_pairs, "rot90", old_rot90)
    old = source.batch(torch.arange(64), torch.Generator().manual_seed(6), True)
    assert all(bit_equal(a, b) for a, b in zip(new, old))


def orbit_features(product, x, functional):
    """F(x)_h = φ(h⁻¹·x) for every h (regular-representation features) and two invariant ones."""
    h_inv = [product.inverse(h) for h in range(product.order)]
    regular = torch.stack([(act_two_digit(product, h, x) * functional).flatten(1).sum(1) for h in h_inv], 1)
    return torch.cat(
        [regular, x.flatten(1).sum(1, keepdim=True), x.flatten(1).pow(2).sum(1, keepdim=True)], 1
    )


@pytest.mark.parametrize("group", ["C4", "D1", "D4"])
def test_pairs_and_latent_representation_share_one_convention(group):
    """For an exactly equivariant encoder, the training pairs (x1, x2 = g·x1, g) give zero equivariance loss
    under latent_representation(G×G), and a wrong g does not."""
    augmentation = PairAugmentation(group, "none")
    mnist = fake_mnist()
    data = build_ddmnist(mnist, SIZES, seed=0)
    source = DDMNISTPairs(data["train_digits"], data["train_labels"], augmentation, CPU)
    x1, y1, x2, g = source.batch(torch.arange(40), torch.Generator().manual_seed(0), True)
    assert torch.equal(y1, source.labels[:40])
    functional = torch.randn(1, 56, 56, generator=torch.Generator().manual_seed(1))
    z1, z2 = (orbit_features(augmentation.product, x, functional) for x in (x1, x2))
    rho = latent_representation(augmentation.product, z1.shape[1])
    assert latent_equivariance_loss(z1, z2, rho, g) < 1e-6 * z1.pow(2).mean()
    wrong = (g + 1) % augmentation.product.order
    assert latent_equivariance_loss(z1, z2, rho, wrong) > 1e-3 * z1.pow(2).mean()


def test_batches_are_seeded_and_resampled():
    data = build_ddmnist(fake_mnist(), SIZES, seed=0)
    source = DDMNISTPairs(
        data["train_digits"], data["train_labels"], PairAugmentation("D4", "rotate_and_back"), CPU
    )
    idx = torch.arange(16)
    first = source.batch(idx, torch.Generator().manual_seed(5), True)
    again = source.batch(idx, torch.Generator().manual_seed(5), True)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    rng = torch.Generator().manual_seed(5)
    source.batch(idx, rng, True)
    assert not torch.equal(source.batch(idx, rng, True)[0], first[0])  # x1 is re-drawn each time
    x1, y1, x2, g = source.batch(idx, rng, False)
    assert x1.shape == (16, 1, 56, 56) and x2 is None and g is None


# --- training task -------------------------------------------------------------------------------------------


class CountingSource(DDMNISTPairs):
    def __init__(self, *args):
        super().__init__(*args)
        self.asked_for_pairs = []

    def batch(self, idx, rng, with_x2):
        self.asked_for_pairs.append(with_x2)
        return super().batch(idx, rng, with_x2)


def make_task(weights, seed=0):
    torch.manual_seed(seed)
    data = build_ddmnist(fake_mnist(), {"train": 1, "val": 1, "test": 1}, seed=0)
    augmentation = PairAugmentation("C4", "rotate_and_back")
    train = CountingSource(data["train_digits"], data["train_labels"], augmentation, CPU)
    val = EvalSet.transformed(
        DDMNISTPairs(data["val_digits"], data["val_labels"], augmentation, CPU),
        torch.Generator().manual_seed(1),
    )
    rho = latent_representation(augmentation.product, 66)
    return PairedClassificationTask(
        DDMNISTCNN(), train=train, val=val, rho=rho, weights=weights, lr=1e-3, batch_size=48
    )


def test_baseline_never_computes_pairs_and_ours_does():
    baseline, ours = make_task(LossWeights()), make_task(LossWeights(1.0, 0.0, 2.0))
    metrics = baseline.train_epoch(0, torch.Generator().manual_seed(0))
    assert set(baseline.train.asked_for_pairs) == {False} and "train_equivariance" not in metrics
    metrics = ours.train_epoch(0, torch.Generator().manual_seed(0))
    assert set(ours.train.asked_for_pairs) == {True} and metrics["train_equivariance"] > 0
    assert len(ours.train.asked_for_pairs) == 3  # 100 pairs in batches of 48


def test_loss_is_the_weighted_sum_of_its_terms():
    task = make_task(LossWeights(1.0, 0.5, 2.0))
    task.model.eval()
    x1, y, x2, g = task.train.batch(torch.arange(8), torch.Generator().manual_seed(0), True)
    total, parts = task.loss(x1, y, x2, g)
    ce1 = torch.nn.functional.cross_entropy(task.model(x1), y)
    ce2 = torch.nn.functional.cross_entropy(task.model(x2), y)
    equivariance = latent_equivariance_loss(task.model.features(x1), task.model.features(x2), task.rho, g)
    assert torch.allclose(total, ce1 + 0.5 * ce2 + 2.0 * equivariance)
    assert torch.allclose(parts["equivariance"], equivariance)


def test_same_seed_same_training():
    a, b = make_task(LossWeights(1.0, 1.0, 1.0)), make_task(LossWeights(1.0, 1.0, 1.0))
    ma, mb = (
        a.train_epoch(0, torch.Generator().manual_seed(3)),
        b.train_epoch(0, torch.Generator().manual_seed(3)),
    )
    assert ma == mb
    assert all(
        torch.equal(p, q) for p, q in zip(a.model.state_dict().values(), b.model.state_dict().values())
    )
    val = a.validate(0)
    assert (
        set(val) == {"val_acc", "val_loss", "val_equivariance", "val_equivariance_rel"}
        and 0 <= val["val_acc"] <= 1
    )


def test_train_run_resumes_after_an_interruption_to_the_same_result(tmp_path, monkeypatch):
    """Same seed → same run; a run stopped after its first epoch resumes from the checkpoint to the same result."""
    data = build_ddmnist(fake_mnist(), {"train": 1, "val": 1, "test": 1}, seed=0)
    data["meta"] = {"seed": 0}
    torch.save(data, tmp_path / "data.pt")
    settings = {
        "group": "D4",
        "model": "ours",
        "lr": 1e-3,
        "lambda": 1.0,
        "shifted_task_weight": 1.0,
        "latent_dim": 66,
        "batch_size": 64,
        "max_epochs": 2,
        "patience": 5,
    }

    def run(name):
        out = {k: str(tmp_path / f"{name}.{k}") for k in ("metrics", "history", "weights")}
        job = RunJob(
            settings, 0, {"dataset": [str(tmp_path / "data.pt")]}, out, str(tmp_path / f"{name}.ckpt"), "cpu"
        )
        return train_run(job)

    def interrupted_fit(*args, **kwargs):
        def stop(epoch, record):
            if epoch == 1:  # after the first epoch's checkpoint was written
                raise InterruptedError

        return fit(*args, **kwargs, on_epoch=stop)

    full = run("full")
    monkeypatch.setattr(ddmnist_run, "fit", interrupted_fit)
    with pytest.raises(InterruptedError):
        run("resumed")
    assert (tmp_path / "resumed.ckpt").exists()
    monkeypatch.undo()
    resumed = run("resumed")
    assert not (tmp_path / "resumed.ckpt").exists() and (tmp_path / "resumed.weights").exists()
    keep = ("test_acc", "aug_test_acc", "aug_test_equivariance", "aug_test_equivariance_rel", "best_epoch")
    keep += ("epochs", "params", "noise")
    assert {k: full[k] for k in keep} == {k: resumed[k] for k in keep}
    assert full["params"] == 33_742 and full["epochs"] == 2 and full["noise"] == "rotate_and_back"
    history = [
        pd.read_csv(tmp_path / f"{name}.history").drop(columns="seconds") for name in ("full", "resumed")
    ]
    pd.testing.assert_frame_equal(*history)
    weights = [torch.load(tmp_path / f"{name}.weights")["model"] for name in ("full", "resumed")]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_run_settings_hold_exactly_what_defines_a_run():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    section = config["experiments"]["ddmnist"]
    plan = DDMNISTPlan(config)
    ours_c4 = plan.run_settings(plan.options("described"), "C4", "ours")
    cnn_d4 = plan.run_settings(plan.options("released"), "D4", "cnn")
    assert ours_c4 == {
        "group": "C4",
        "model": "ours",
        "lr": 0.001,
        "lambda": 2.0,
        "shifted_task_weight": 1.0,
        "latent_dim": 66,
        "batch_size": 256,
        "max_epochs": 150,
        "patience": 20,
        "c4_noise": "rotate_and_back",
    }
    assert cnn_d4["lambda"] == 0.0 and cnn_d4["shifted_task_weight"] == 0.0 and cnn_d4["lr"] == 0.0005
    assert "c4_noise" not in cnn_d4  # changing the C4 noise reruns only C4's runs
    with pytest.raises(ConfigError, match=r"\|D4xD4\| = 64"):
        DDMNISTPlan({**config, "experiments": {"ddmnist": {**section, "latent_dim": 48}}})


def test_protocol_bundles_set_exactly_the_released_and_the_described_values():
    options = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["experiments"]["ddmnist"][
        "protocol_options"
    ]
    assert options == {
        "released": {"shifted_task_weight": 0.0, "c4_noise": "rotate_then_rot90"},
        "described": {"shifted_task_weight": 1.0, "c4_noise": "rotate_and_back"},
    }


def test_runs_differ_by_protocol_exactly_where_their_settings_do():
    """Paper scale: Ours differs everywhere (shifted task loss), the CNN only on C4 (noise): 10 runs per seed."""
    plan = DDMNISTPlan(yaml.safe_load((REPO / "config" / "config.yaml").read_text()))
    variants = {
        (g, m): {plan.variant_of(p, g, m) for p in ("released", "described")}
        for g in ("C4", "D1", "D4")
        for m in ("cnn", "ours")
    }
    assert variants[("D1", "cnn")] == variants[("D4", "cnn")] == {"common"}
    assert all(
        variants[k] == {"released", "described"}
        for k in [("C4", "cnn"), ("C4", "ours"), ("D1", "ours"), ("D4", "ours")]
    )
    assert len(plan.metrics()) == 10 * 5 and len(plan.table_runs()) == 2 * 6 * 5
    dry = snakemake("-n", "--cores", "1", "ddmnist")
    jobs = [line.split("wildcards: ")[1] for line in dry.stdout.splitlines() if "wildcards: variant=" in line]
    assert len(jobs) == len(set(jobs)) == 50
    assert sum("variant=common, group=D1, model=cnn" in j for j in jobs) == 5
    assert not any("group=D1, model=cnn" in j and "common" not in j for j in jobs)


def test_too_small_latent_is_one_clear_config_error(tmp_path):
    (tmp_path / "small.yaml").write_text("experiments:\n  ddmnist:\n    latent_dim: 48\n")
    result = snakemake(
        "-n", "--cores", "1", "--directory", str(REPO / ".test"), "--configfile", str(tmp_path / "small.yaml")
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Job stats" not in output
    assert "latent_dim: 48 is smaller than |D4xD4| = 64" in output


# --- Table 4 -------------------------------------------------------------------------------------------------


def fake_runs():
    rows = []
    for group in ("C4", "D1", "D4"):
        for model, base in (("cnn", 0.80), ("ours", 0.85)):
            for seed in range(3):
                rows.append(
                    {
                        "protocol": "described",
                        "variant": "described",
                        "group": group,
                        "model": model,
                        "seed": seed,
                        "params": 33_742,
                        "test_acc": base + 0.05,
                        "aug_test_acc": base + 0.01 * seed,
                        "aug_test_equivariance": 0.01,
                        "aug_test_equivariance_rel": 0.1,
                        "best_epoch": 3,
                        "epochs": 4,
                        "train_seconds": 60.0,
                        "noise": digit_noise(group, "rotate_and_back"),
                    }
                )
    return pd.DataFrame(rows)


def test_table4_puts_this_run_beside_the_papers_rows_with_verdicts():
    frame, records = table4(
        fake_runs(), reference_frame(REPO / "config" / "reference" / "table4.yaml"), 0, "paper"
    )
    assert frame["model"].tolist() == ["CNN", "CNN", "SCNN", "Restriction", "RPP", "PSCNN", "Ours", "Ours"]
    rows = frame.set_index(["model", "source"])
    ours = rows.loc[("Ours", "this run")]
    assert (
        ours["D4 accuracy"] == f"0.860 ({np.std([0.85, 0.86, 0.87]):.3f})" and ours["protocol"] == "described"
    )
    assert ours["D4 accuracy verdict"] == "reproduced"  # |0.860 - 0.868| ≤ 2·√(0.0082² + 0.005²)
    assert ours["C4 accuracy verdict"] == "differs"  # 0.860 vs 0.915
    assert rows.loc[("Ours", "paper"), "D4 accuracy"] == "0.868 (0.002)"
    assert rows.loc[("CNN", "this run"), "C4 params (M)"] == "0.03"
    assert rows.loc[("PSCNN", "paper (not reproduced here)"), "D4 params (M)"] == "1.23"
    assert set(frame["source"]) == {"this run", "paper", "paper (not reproduced here)"}
    assert len(records) == 6 and set(records["table"]) == {"table4"}
    quick, _ = table4(fake_runs(), reference_frame(REPO / "config" / "reference" / "table4.yaml"), 0, "quick")
    assert quick.set_index(["model", "source"]).loc[("Ours", "this run"), "C4 accuracy verdict"] == (
        "not comparable (quick) [differs]"
    )


def test_accuracy_table_renders_plain_and_augmented():
    frame = accuracy_table(fake_runs(), ddof=0)
    assert len(frame) == 6 and (frame["seeds"] == 3).all() and set(frame["protocol"]) == {"described"}
    cnn_c4 = frame[(frame["group"] == "C4") & (frame["model"] == "CNN")].iloc[0]
    assert cnn_c4["plain test accuracy"] == "0.850 (0.000)" and cnn_c4["augmented test accuracy"].startswith(
        "0.810"
    )


def test_relative_equivariance_error_is_scale_free():
    """Scaling the latent scales the MSE by s² but leaves the relative error alone."""
    task = make_task(LossWeights(1.0, 0.0, 1.0))
    data = EvalSet.transformed(task.train, torch.Generator().manual_seed(0))
    before = task.evaluate(data)
    with torch.no_grad():
        conv = task.model.encoder[-2]  # the 1x1 convolution whose output is the latent
        conv.weight.mul_(10.0)
        conv.bias.mul_(10.0)
    after = task.evaluate(data)
    assert after["equivariance"] == pytest.approx(100 * before["equivariance"], rel=1e-4)
    assert after["equivariance_rel"] == pytest.approx(before["equivariance_rel"], rel=1e-4)
