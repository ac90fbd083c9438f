"""Learned latent representations (main paper §4): glyphs, pair sources, networks, losses, analysis, runs."""

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
import yaml
from conftest import REPO, bit_equal, snakemake
from oracles import old_rot90

from symrep.actions.planar import hflip, rot90, rotate
from symrep.config import ConfigError
from symrep.data.fixtures import write_idx_dataset, write_tmnist_csv
from symrep.data.loaders import load_tmnist_csv
from symrep.experiments.latent import data as latent_data
from symrep.experiments.latent.data import (
    CifarC4Pairs,
    MNISTD3Pairs,
    TMNISTPairs,
    image_splits,
    split_indices,
)
from symrep.experiments.latent.figures import isotypic_basis
from symrep.experiments.latent.glyphs import build_glyphs, font_files, load_glyphs, save_glyphs
from symrep.experiments.latent.plan import LatentPlan
from symrep.experiments.latent.report import (
    NOT_INTERPRETABLE_LABEL,
    build,
    judge_runs,
    null_frame,
    regular_analysis,
    regular_claims,
    write_null,
)
from symrep.experiments.latent.run import train_run
from symrep.experiments.latent.task import SPECS, LatentTask, algebra_penalty, analyse, latent_actions
from symrep.groups import get_group
from symrep.models.latent import CifarClassifier, ConvAutoencoder, LatentActionModel, MLPAutoencoder
from symrep.report.hyperparams import table7
from symrep.representations import latent_representation
from symrep.runs import RunJob

FONTS = ["IBMPlexSans-MediumItalic", "Bahianita-Regular"]
FONT_DIR = (REPO / ".." / "shared" / "data" / "mirror" / "fonts").resolve()
needs_fonts = pytest.mark.skipif(
    not (FONT_DIR / "Bahianita-Regular.ttf").is_file(), reason=f"no fonts in {FONT_DIR}"
)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def regular_generators(name, dim):
    group = get_group(name)
    rho = latent_representation(group, dim, dtype=torch.float64)
    return [rho[g] for g in group.generators]


# ---- plan ---------------------------------------------------------------------------------------

PAPER = yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def paper_config(**runs):
    """The paper's configuration with the latent runs' sections updated by `runs`."""
    config = copy.deepcopy(PAPER)
    for run, changes in runs.items():
        config["experiments"]["latent"][run].update(changes)
    return config


def test_plan_names_runs_inputs_settings_and_targets():
    config = paper_config()
    section = config["experiments"]["latent"]
    plan = LatentPlan(config)
    assert plan.runs() == ["tmnist_z2", "mnist_d3", "cifar10_c4"]
    assert plan.datasets() == {"tmnist_fonts", "mnist", "cifar10"}
    mnist = SimpleNamespace(run="mnist_d3", variant="released", seed="1", table="table2")
    released = {**section["mnist_d3"], "rotation_degrees": 60, "augment_rotation": False}
    assert plan.train_settings(mnist) == released  # metrics.json's settings: the section under the protocol
    assert plan.train_inputs(mnist) == [
        f"resources/raw/mnist/{n}"
        for n in (
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        )
    ]
    assert plan.train_inputs(SimpleNamespace(run="tmnist_z2")) == ["resources/tmnist/glyphs.npz"]
    assert plan.table_runs(mnist)[:2] == [
        ["released", "results/latent/released/mnist_d3/seed0/metrics.json"],
        ["released", "results/latent/released/mnist_d3/seed1/metrics.json"],
    ]
    assert plan.table_metrics(SimpleNamespace(table="table1")) == [
        f"results/latent/{v}/tmnist_z2/seed{s}/metrics.json"
        for v in ("released", "described")
        for s in range(5)
    ]
    assert plan.null_dim(mnist) == 30
    assert plan.figure3_rows() == [
        ["tmnist_z2", "released"],
        ["tmnist_z2", "described"],
        ["mnist_d3", "released"],
        ["mnist_d3", "described"],
        ["cifar10_c4", "released"],
        ["cifar10_c4", "described"],
    ]
    assert plan.figure3_weights()[4] == "results/latent/released/cifar10_c4/seed0/weights.pt"
    assert plan.figure4_files("weights.pt")[5] == "results/latent/described/mnist_d3/seed0/weights.pt"
    assert len(plan.targets()) == 3 * 3 + 3 + 3 + 3 * 2
    assert plan.verdict_files() == [f"results/verdicts/table{i}.csv" for i in (1, 2, 3)]
    assert plan.claim_files() == [f"results/latent/claims_table{i}.csv" for i in (1, 2, 3)]
    assert plan.glyph_sources() == [
        "resources/raw/fonts/Bahianita-Regular.ttf",
        "resources/raw/fonts/IBMPlexSans-MediumItalic.ttf",
    ]


def test_table7_shows_each_protocols_values_once():
    frame = table7(LatentPlan(paper_config()).hyperparameter_tables()["table7"])
    assert frame[["experiment", "protocol", "lr"]].values.tolist() == [
        ["TMNIST", "released, described", 0.003],
        ["MNIST", "released, described", 0.003],
        ["CIFAR10", "released", 0.001],
        ["CIFAR10", "described", 0.003],
    ]


def test_protocol_bundles_set_exactly_the_released_and_the_described_values():
    assert PAPER["experiments"]["latent"]["protocol_options"] == {
        "released": {
            "tmnist_z2": {"digits": [1, 2, 3, 4, 5, 6, 7, 8, 9]},
            "mnist_d3": {"rotation_degrees": 60, "augment_rotation": False},
            "cifar10_c4": {
                "lr": 0.001,
                "head": "softmax",
                "adaptive_lambda_algebra": True,
                "eval_split": "train",
            },
        },
        "described": {
            "tmnist_z2": {"digits": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]},
            "mnist_d3": {"rotation_degrees": 120, "augment_rotation": True},
            "cifar10_c4": {
                "lr": 0.003,
                "head": "linear",
                "adaptive_lambda_algebra": False,
                "eval_split": "test",
            },
        },
    }
    section = PAPER["experiments"]["latent"]
    options = {"rotation_degrees", "augment_rotation", "lr", "head", "adaptive_lambda_algebra", "eval_split"}
    assert not options & set(section["mnist_d3"]) - {"lr"} and not options & set(section["cifar10_c4"])
    assert "digits" not in section["tmnist_z2"]


def test_runs_differ_by_protocol_exactly_where_their_settings_do():
    """Paper scale: every run per protocol (TMNIST's digits differ too): 6 training jobs per seed."""
    plan = LatentPlan(paper_config())
    variants = {run: plan.variants(run) for run in plan.runs()}
    assert variants == {
        "tmnist_z2": ["released", "described"],
        "mnist_d3": ["released", "described"],
        "cifar10_c4": ["released", "described"],
    }
    assert LatentPlan(paper_config(mnist_d3={"enabled": False})).figures() == ["figure3", "figure5"]
    dry = snakemake("-n", "--cores", "1", "latent")
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs = [line.split("wildcards: ")[1] for line in dry.stdout.splitlines() if "wildcards: variant=" in line]
    assert len(jobs) == len(set(jobs)) == 30
    per_variant = {v: sum(f"variant={v}," in j for j in jobs) for v in ("common", "released", "described")}
    assert per_variant == {"common": 0, "released": 15, "described": 15}
    assert (
        sum(line.strip() == "wildcards: table=table2" for line in dry.stdout.splitlines()) == 2
    )  # null, table


def test_disabled_runs_drop_their_tables_figures_and_data():
    plan = LatentPlan(
        paper_config(mnist_d3={"enabled": False}, tmnist_z2={"dataset": None, "tmnist_csv": "t.csv"})
    )
    assert plan.tables() == ["table1", "table3"] and plan.figures() == ["figure3", "figure5"]
    assert plan.datasets() == {"cifar10"} and plan.glyph_sources() == ["t.csv"]
    config = paper_config()
    config["experiments"]["latent"]["enabled"] = False
    assert LatentPlan(config).targets() == [] and LatentPlan(config).datasets() == set()


@pytest.mark.parametrize(
    "tmnist,message",
    [
        ({"tmnist_csv": "t.csv"}, "set exactly one of dataset: tmnist_fonts"),
        ({"dataset": None}, "set exactly one of dataset: tmnist_fonts"),
        ({"fonts": ["Comic-Sans", "Bahianita-Regular"]}, r"\['Comic-Sans'\] cannot be rebuilt"),
    ],
)
def test_tmnist_misconfiguration_is_a_config_error_only_when_enabled(tmnist, message):
    with pytest.raises(ConfigError, match=message):
        LatentPlan(paper_config(tmnist_z2=tmnist))
    LatentPlan(paper_config(tmnist_z2={**tmnist, "enabled": False}))


# ---- glyphs -------------------------------------------------------------------------------------


@needs_fonts
def test_glyphs_follow_the_tmnist_recipe():
    glyphs = build_glyphs(FONTS, files=sorted(FONT_DIR.glob("*.ttf")))
    assert glyphs.shape == (2, 10, 28, 28) and glyphs.dtype == np.uint8
    rows, cols = np.indices((28, 28))
    for image in glyphs.reshape(20, 28, 28):
        mass = image.sum(dtype=float)
        assert abs((rows * image).sum() / mass - 14) <= 0.5 and abs((cols * image).sum() / mass - 14) <= 0.5
        ink_rows, ink_cols = np.nonzero(image)
        assert max(np.ptp(ink_rows), np.ptp(ink_cols)) + 1 == 20  # longer side resized to 20 px
    assert not np.array_equal(glyphs[0], glyphs[1])


def test_glyphs_from_the_csv_and_round_trip(tmp_path):
    write_tmnist_csv(tmp_path / "t.csv")
    glyphs = build_glyphs(FONTS, csv=tmp_path / "t.csv")
    assert np.array_equal(glyphs, load_tmnist_csv(tmp_path / "t.csv", FONTS)["images"])
    save_glyphs(tmp_path / "g.npz", glyphs, FONTS, "csv")
    loaded, fonts = load_glyphs(tmp_path / "g.npz")
    assert np.array_equal(loaded, glyphs) and fonts == FONTS


def test_missing_font_file_is_a_clear_error():
    with pytest.raises(ValueError, match="no font file for \\['Bahianita-Regular'\\]"):
        font_files(FONTS, ["fonts/IBMPlexSans-MediumItalic.ttf"])


# ---- pair sources -------------------------------------------------------------------------------


def glyph_tensor(seed=0):
    return torch.randint(
        0, 256, (2, 10, 28, 28), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8
    )


def test_tmnist_pairs_share_the_transform_and_swap_the_font():
    source = TMNISTPairs(glyph_tensor(), 64, list(range(10)), 90, (0.8, 1.2))
    plan = source.plan(torch.Generator().manual_seed(1))
    assert plan["angle"].abs().max() <= 90 and plan["scale"].min() >= 0.8 and plan["scale"].max() <= 1.2
    pair = source.make(plan)
    swapped = source.make({**plan, "font": 1 - plan["font"]})
    assert torch.equal(pair["x1"], swapped["x2"]) and torch.equal(pair["x2"], swapped["x1"])
    assert pair["x1"].shape == (64, 1, 28, 28) and (pair["action"] == 0).all()


def test_tmnist_identity_transform_gives_the_glyphs_exactly():
    glyphs = glyph_tensor()
    source = TMNISTPairs(glyphs, 4, [3], 0, (1.0, 1.0))
    plan = {
        "digit": torch.tensor([3, 3]),
        "font": torch.tensor([0, 1]),
        "angle": torch.zeros(2),
        "scale": torch.ones(2),
    }
    pair = source.make(plan)
    assert torch.equal(pair["x1"][:, 0], glyphs[[0, 1], 3].float() / 255)
    assert torch.equal(pair["x2"][:, 0], glyphs[[1, 0], 3].float() / 255)


def test_pair_plans_are_seeded():
    source = MNISTD3Pairs(torch.randint(0, 256, (50, 28, 28), dtype=torch.uint8), 120, True)
    a, b = source.plan(torch.Generator().manual_seed(5)), source.plan(torch.Generator().manual_seed(5))
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = source.plan(torch.Generator().manual_seed(6))
    assert not torch.equal(a["angle"], c["angle"])


@pytest.mark.parametrize("degrees,powers", [(120, 2), (60, 5)])
def test_mnist_d3_pairs_are_reflections_or_rotations_of_x1(degrees, powers):
    images = torch.randint(
        0, 256, (200, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    source = MNISTD3Pairs(images, degrees, rotate_x1=False)
    plan = source.plan(torch.Generator().manual_seed(2))
    pair = source.make(plan)
    assert source.n_powers == powers and set(pair["action"].tolist()) == set(range(powers + 1))
    reflect = plan["reflect"]
    assert torch.equal(pair["x2"][reflect], hflip(pair["x1"][reflect]))
    assert (pair["action"][reflect] == powers).all() and torch.equal(
        pair["action"][~reflect], plan["power"][~reflect] - 1
    )
    rotated = rotate((degrees * plan["power"][~reflect]).float(), pair["x1"][~reflect])
    assert torch.allclose(pair["x2"][~reflect], rotated)
    base = images.float()[:, None] / 255
    assert torch.equal(pair["x1"], torch.where(plan["flip"][:, None, None, None], hflip(base), base))


def test_cifar_pairs_are_exact_quarter_turns():
    images = torch.randint(
        0, 256, (40, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    source = CifarC4Pairs(images, torch.arange(40) % 10)
    pair = source.make(source.plan(torch.Generator().manual_seed(3)))
    power = pair["action"] + 1
    assert torch.equal(pair["x2"], rot90(power, pair["x1"])) and torch.equal(pair["y"], torch.arange(40) % 10)
    assert pair["x1"].min() >= -1 and pair["x1"].max() <= 1 and set(power.tolist()) <= {1, 2, 3}


def test_cifar_pairs_are_bit_identical_to_the_per_element_quarter_turns(monkeypatch):
    images = torch.randint(
        0, 256, (64, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1)
    )
    source = CifarC4Pairs(images, torch.arange(64) % 10)
    plan = source.plan(torch.Generator().manual_seed(4))
    new = source.make(plan)
    monkeypatch.setattr(latent_data, "rot90", old_rot90)
    old = source.make(plan)
    assert new.keys() == old.keys() and all(bit_equal(new[k], old[k]) for k in new)


def test_split_indices_are_disjoint_and_sized():
    a, b = split_indices(100, (60, 30), torch.Generator().manual_seed(0))
    assert len(a) == 60 and len(b) == 30 and not set(a.tolist()) & set(b.tolist())
    with pytest.raises(ValueError, match="60 \\+ 50 = 110 samples from a split of 100"):
        split_indices(100, (60, 50), torch.Generator())


# ---- networks -----------------------------------------------------------------------------------


def test_conv_autoencoder_is_appendix_b1():
    d = 42
    model = ConvAutoencoder(d)
    encoder = (9 * 21 + 21) + (9 * 21 * 42 + 42) + (49 * 42 * 84 + 84) + (84 * 42 + 42)
    decoder = (42 * 84 + 84) + (49 * 84 * 42 + 42) + (9 * 42 * 21 + 21) + (9 * 21 + 1)
    assert n_params(model.encoder) == encoder and n_params(model.decoder) == decoder
    z = model.features(torch.rand(5, 1, 28, 28))
    out = model.head(z)
    assert z.shape == (5, d) and out.shape == (5, 1, 28, 28) and out.min() >= 0 and out.max() <= 1


def test_mlp_autoencoder_is_appendix_b2():
    model = MLPAutoencoder(30)
    sizes = [784, 512, 256, 128, 30]
    layers = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    layers_back = sum(a * b + b for a, b in zip(sizes[::-1], sizes[::-1][1:]))
    assert n_params(model.encoder) == layers and n_params(model.decoder) == layers_back
    assert model.head(model.features(torch.rand(3, 1, 28, 28))).shape == (3, 1, 28, 28)


def test_cifar_classifier_is_appendix_b3():
    model = CifarClassifier(64)
    convs = (27 * 32 + 32) + (288 * 32 + 32) + (288 * 64 + 64) + 2 * (576 * 64 + 64)
    assert n_params(model.encoder) == convs + 1024 * 64 + 64 and n_params(model.classifier) == 650
    assert n_params(CifarClassifier(64, "softmax").classifier) == 640
    with pytest.raises(ValueError, match="head"):
        CifarClassifier(64, head="mlp")


def test_released_softmax_head_is_the_authors_double_softmax():
    """Classifiers.py: Sequential(Linear(bias=False), Softmax), then softmax again, then cross-entropy."""
    torch.manual_seed(0)
    model = CifarClassifier(4, head="softmax", classes=3)
    weight = torch.tensor([[1.0, -2.0, 0.5, 0.0], [0.0, 1.0, 1.0, -1.0], [2.0, 0.0, -1.0, 1.0]])
    with torch.no_grad():
        model.classifier[0].weight.copy_(weight)
    z = torch.tensor([[1.0, 0.0, 2.0, -1.0], [0.5, 0.5, -0.5, 3.0]])
    y = torch.tensor([0, 2])
    authors = F.softmax(F.softmax(z @ weight.T, dim=1), dim=1)
    assert torch.allclose(model.head(z), authors)
    assert torch.allclose(F.cross_entropy(model.head(z), y), F.cross_entropy(authors, y))
    one_short = F.cross_entropy(F.softmax(z @ weight.T, dim=1), y)
    assert not torch.allclose(F.cross_entropy(model.head(z), y), one_short)


@pytest.mark.parametrize(
    "init,check",
    [
        ("uniform", lambda w: w.min() >= 0 and w.max() < 1),
        ("normal", lambda w: abs(float(w.std()) - 1) < 0.1),
        ("orthogonal", lambda w: w.shape == (64, 64)),
    ],
)
def test_learned_generators_initialisation(init, check):
    model = LatentActionModel("mlp_autoencoder", 64, 2, init)
    assert len(model.generators()) == 2 and check(model.generators()[0].detach())


# ---- losses and analysis ------------------------------------------------------------------------


@pytest.mark.parametrize("run,dim", [("tmnist_z2", 42), ("mnist_d3", 30), ("cifar10_c4", 64)])
def test_regular_representation_has_zero_algebra_loss_and_the_expected_counts(run, dim):
    spec = SPECS[run]
    gens = regular_generators(spec.group, dim)
    assert float(algebra_penalty(spec, gens, 1.0, 0.05)) < 1e-20
    random = [torch.randn(dim, dim, dtype=torch.float64) for _ in gens]
    assert float(algebra_penalty(spec, random, 1.0, 0.05)) > 1
    result = analyse(spec, gens)
    assert result["algebra_loss"] < 1e-20
    m = dim // get_group(spec.group).order
    if run == "tmnist_z2":
        assert result["eigen_counts"] == {"+1": 21, "-1": 21}
    elif run == "cifar10_c4":
        assert result["eigen_counts"] == {"1": 16, "i": 16, "-1": 16, "-i": 16}
    else:
        assert result["irreps"] == pytest.approx({"trivial": m, "sign": m, "standard": 2 * m})
    assert regular_analysis(run, dim) == result


def test_algebra_penalty_weights_the_d3_relations_as_the_released_code():
    spec = SPECS["mnist_d3"]
    eye = torch.eye(1, dtype=torch.float64)  # 1x1: MSE = the squared entry
    r, s = 2 * eye, eye  # r³ - I = 7I, s² - I = 0, (s r)² - I = 3I
    assert float(algebra_penalty(spec, [r, s], 0.5, 0.05)) == pytest.approx(0.5 * 0.5 * 49 + 0.05 * 9)


def test_latent_actions_are_generator_powers_then_the_reflection():
    r, s = torch.randn(5, 5), torch.randn(5, 5)
    actions = latent_actions([r, s], 2)
    assert torch.allclose(actions[0], r) and torch.allclose(actions[1], r @ r) and torch.equal(actions[2], s)
    assert latent_actions([r], 3).shape == (3, 5, 5)


@pytest.mark.parametrize("name,dim", [("C2", 42), ("D3", 30), ("C4", 64)])
def test_isotypic_basis_block_diagonalises_a_representation(name, dim):
    group = get_group(name)
    q = torch.linalg.qr(torch.randn(dim, dim, dtype=torch.float64))[0]
    rho = q @ latent_representation(group, dim, dtype=torch.float64) @ q.T  # a disguised regular multiple
    basis, labels = isotypic_basis(group, rho)
    assert basis.shape == (dim, dim)
    blocks = np.array([[a == b for b in labels] for a in labels])
    for g in range(group.order):
        changed = np.linalg.pinv(basis) @ rho[g].numpy() @ basis
        assert np.abs(changed[~blocks]).max() < 1e-8


# ---- runs ---------------------------------------------------------------------------------------

TINY = {
    "lr": 0.003,
    "batch_size": 16,
    "max_epochs": 2,
    "patience": 5,
    "min_delta": 0.0,
    "train_samples": 48,
    "val_samples": 16,
    "test_samples": 16,
    "lambda_algebra": 1.0,
    "lambda_decoder": 0.025,
    "lambda_latent": 0.475,
}


def tiny_run(tmp_path, name, settings, files, tag):
    outputs = {k: str(tmp_path / tag / f"{k}.out") for k in ("metrics", "history", "eigenvalues", "weights")}
    job = RunJob(
        settings,
        0,
        {"data": files},
        outputs,
        str(tmp_path / tag / "ckpt.pt"),
        device="cpu",
        extra={"run": name, "trace_every": 2},
    )
    return train_run(job), outputs


@pytest.fixture
def tmnist_files(tmp_path):
    write_tmnist_csv(tmp_path / "t.csv")
    save_glyphs(tmp_path / "g.npz", build_glyphs(FONTS, csv=tmp_path / "t.csv"), FONTS, "csv")
    return [str(tmp_path / "g.npz")]


TMNIST_TINY = {**TINY, "latent_dim": 8, "digits": [1, 2, 3], "max_rotation": 90, "scale_range": [0.8, 1.2]}


def test_same_seed_gives_the_same_run(tmp_path, tmnist_files):
    a, out_a = tiny_run(tmp_path, "tmnist_z2", TMNIST_TINY, tmnist_files, "a")
    b, out_b = tiny_run(tmp_path, "tmnist_z2", TMNIST_TINY, tmnist_files, "b")
    assert {k: v for k, v in a.items() if k != "environment"} == {
        k: v for k, v in b.items() if k != "environment"
    }
    assert pd.read_csv(out_a["eigenvalues"]).equals(pd.read_csv(out_b["eigenvalues"]))
    assert (
        a["epochs"] == 2 and set(a["eigen_counts"]) == {"+1", "-1"} and sum(a["eigen_counts"].values()) == 8
    )
    trace = pd.read_csv(out_a["eigenvalues"])
    assert (
        trace["step"].tolist()[::8] == [0, 2, 4] and len(trace) == 3 * 8
    )  # 3 batches per epoch, every 2 steps


def test_interrupted_run_resumes_to_the_same_result(tmp_path, tmnist_files, monkeypatch):
    full, out_full = tiny_run(tmp_path, "tmnist_z2", TMNIST_TINY, tmnist_files, "full")
    original = LatentTask.train_epoch

    def crash_in_second_epoch(self, epoch, rng):
        if epoch == 1:
            raise KeyboardInterrupt("simulated kill")
        return original(self, epoch, rng)

    monkeypatch.setattr(LatentTask, "train_epoch", crash_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        tiny_run(tmp_path, "tmnist_z2", TMNIST_TINY, tmnist_files, "resumed")
    assert (tmp_path / "resumed" / "ckpt.pt").exists()
    monkeypatch.setattr(LatentTask, "train_epoch", original)
    resumed, out_resumed = tiny_run(tmp_path, "tmnist_z2", TMNIST_TINY, tmnist_files, "resumed")
    assert resumed["test"] == full["test"] and resumed["eigen_counts"] == full["eigen_counts"]
    assert pd.read_csv(out_full["eigenvalues"]).equals(pd.read_csv(out_resumed["eigenvalues"]))
    assert not (tmp_path / "resumed" / "ckpt.pt").exists()


def test_mnist_run_on_fixture_files_and_its_table(tmp_path):
    write_idx_dataset(tmp_path / "mnist", seed=1, n_train=100, n_test=40)
    files = [
        str(tmp_path / "mnist" / n)
        for n in (
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        )
    ]
    settings = {
        **TINY,
        "latent_dim": 12,
        "rotation_degrees": 120,
        "augment_rotation": True,
        "lambda_commutation": 0.05,
        "lambda_algebra": 0.5,
    }
    metrics, outputs = tiny_run(tmp_path, "mnist_d3", settings, files, "m")
    assert set(metrics["irreps"]) == {"trivial", "sign", "standard"} and "initial" in metrics
    assert sum(
        metrics["irreps"][k] * d for k, d in (("trivial", 1), ("sign", 1), ("standard", 2))
    ) == pytest.approx(12)
    write_null("table2", 12, tmp_path / "null.csv")
    runs = [("released", outputs["metrics"]), ("described", outputs["metrics"])]
    reference = REPO / "config" / "reference" / "table2.yaml"
    frame, judged, threshold = build("table2", runs, reference, tmp_path / "null.csv", 0, "test")
    assert list(frame.columns[:7]) == ["source", "protocol", "run", "seed", "trivial", "sign", "standard"]
    assert [c for c in frame.columns if c.startswith("residual")] == [
        "residual r^3",
        "residual s^2",
        "residual srsr",
    ]
    assert list(frame["source"]) == 2 * ["this run", "this run", "this run, at initialisation"] + [
        "paper"
    ] * 6 + ["regular rep. (exact)"]
    assert list(frame["protocol"][:6]) == 3 * ["released"] + 3 * ["described"]
    assert frame.iloc[-1][["trivial", "sign", "standard"]].tolist() == pytest.approx([2, 2, 4])
    assert frame.iloc[-2]["trivial"] == f"5.295 ({np.std([5.017, 6.471, 5.004, 4.960, 5.021]):.3f})"
    assert frame.iloc[0]["null threshold"] == threshold and len(judged.records) == 4
    assert set(frame.iloc[0][["verdict: counts vs paper", "verdict: counts vs regular multiple"]]) == {
        NOT_INTERPRETABLE_LABEL  # two epochs: far from a representation
    }
    with pytest.raises(ValueError, match="samples from a split of 100"):
        tiny_run(tmp_path, "mnist_d3", {**settings, "train_samples": 90}, files, "too_many")


def cifar_task(adaptive):
    images = torch.randint(
        0, 256, (8, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    sources = {k: CifarC4Pairs(images, torch.arange(8) % 10) for k in ("train", "val")}
    settings = {**TINY, "latent_dim": 6, "adaptive_lambda_algebra": adaptive}
    model = LatentActionModel("cifar_classifier", 6, 1, "orthogonal")
    return LatentTask(
        SPECS["cifar10_c4"],
        settings,
        model,
        sources,
        trace_every=1,
        val_generator=torch.Generator().manual_seed(1),
    )


def test_released_adaptive_lambda_schedule():
    task = cifar_task(adaptive=True)
    with torch.no_grad():
        task.model.generators.matrices[0].copy_(2 * torch.eye(6))  # ‖W⁴ - I‖ large
    task._adapt_lambda(0)
    task._adapt_lambda(1)
    assert task.lambda_algebra == 1.0  # `current_epoch > 1`: not in the first two epochs
    task._adapt_lambda(2)
    task._adapt_lambda(3)
    assert task.lambda_algebra == pytest.approx(1.21)
    with torch.no_grad():
        task.model.generators.matrices[0].copy_(torch.eye(6))  # W⁴ = I
    for epoch in range(4, 7):
        task._adapt_lambda(epoch)
    assert task.lambda_algebra == 1.0  # × 0.9, floored at the configured value
    assert task.state_dict()["lambda_algebra"] == 1.0


def test_adaptive_lambda_changes_after_the_epochs_validation():
    """Lightning's on_train_epoch_end runs after validation: the epoch's training and validation share λ_W."""
    task = cifar_task(adaptive=True)
    with torch.no_grad():
        task.model.generators.matrices[0].copy_(2 * torch.eye(6))
    with torch.no_grad():
        penalty = float(algebra_penalty(task.spec, task.model.generators(), 1.0))
    train = task.train_epoch(2, torch.Generator().manual_seed(0))
    assert train["lambda_algebra"] == task.lambda_algebra == 1.0
    with torch.no_grad():
        task.model.generators.matrices[0].copy_(2 * torch.eye(6))  # as before the optimiser step
        val = task.validate(2)
    assert val["val_algebra"] == pytest.approx(penalty)  # validated with the epoch's λ_W = 1
    task.end_epoch(2, {**train, **val})
    assert task.lambda_algebra == pytest.approx(1.1)


def test_paper_default_keeps_lambda_fixed():
    task = cifar_task(adaptive=False)
    metrics = task.train_epoch(1, torch.Generator().manual_seed(0))
    assert metrics["lambda_algebra"] == 1.0 and "train_accuracy" in metrics and len(task.trace) == 1


def test_released_evaluation_split_draws_test_images_from_the_training_split():
    arrays = {"train_images": np.zeros((100, 2)), "test_images": np.zeros((30, 2))}
    sizes = {"train_samples": 60, "val_samples": 20, "test_samples": 25}
    paper = image_splits(arrays, sizes, torch.Generator().manual_seed(1))
    released = image_splits(arrays, sizes, torch.Generator().manual_seed(1), eval_split="train")
    assert (
        paper["test"].max() < 30 <= released["test"].max()
        and len(released["test"]) == 25
        and torch.equal(paper["train"], released["train"])
    )
    with pytest.raises(ValueError, match="from a split of 30"):
        image_splits(arrays, {**sizes, "test_samples": 40}, torch.Generator())


# ---- verdicts ------------------------------------------------------------------------------------


def hand_made(seed, counts, residuals, judged="eigen_counts", dim=42):
    """The metrics a run writes, with the given counts and relative residuals."""
    return {
        "seed": seed,
        "settings": {"latent_dim": dim},
        judged: counts,
        "irreps": counts,
        "relative_residuals": residuals,
        "algebra_loss": 0.0,
        "test": {"latent": 0.01},
    }


TABLE1_PAPER = {"+1": 21.4, "-1": 20.6}  # the mean of the paper's five runs


@pytest.mark.parametrize(
    "counts,residual,paper,verdicts",
    [
        ({"+1": 22, "-1": 20}, 0.05, TABLE1_PAPER, ("reproduced", "reproduced")),  # the regular multiple
        ({"+1": 23, "-1": 19}, 0.05, {"+1": 22.5, "-1": 19.5}, ("reproduced", "differs")),  # 2 off 21/21
        ({"+1": 30, "-1": 12}, 0.05, TABLE1_PAPER, ("differs", "differs")),  # another representation
        ({"+1": 21, "-1": 21}, 1.6, TABLE1_PAPER, (NOT_INTERPRETABLE_LABEL,) * 2),  # no representation
    ],
)
def test_count_verdicts_on_hand_made_runs(counts, residual, paper, verdicts):
    run = hand_made(0, counts, {"r^2": residual})
    judged = judge_runs("table1", [("released", run)], paper, 0.9, "paper")
    row = judged.rows.iloc[0]
    assert (row["verdict: counts vs paper"], row["verdict: counts vs regular multiple"]) == verdicts
    assert row["residual r^2"] == residual and row["null threshold"] == 0.9
    records = judged.records
    assert list(records.columns) == [
        "table", "row", "run", "seed", "protocol", "column", "kind", "run_mean", "run_std", "runs",
        "paper_mean", "paper_std", "delta", "bound", "outcome", "scale", "verdict",
    ]  # fmt: skip
    assert records["column"].tolist() == ["counts vs paper", "counts vs regular multiple"]
    assert set(records["kind"]) == {"count"} and records["verdict"].tolist() == list(verdicts)
    assert records["delta"].iloc[1] == max(abs(counts["+1"] - 21), abs(counts["-1"] - 21))


def test_every_relation_must_be_below_the_threshold():
    regular = {"trivial": 5.0, "sign": 5.0, "standard": 10.0}
    paper = {"trivial": 5.3, "sign": 4.8, "standard": 10.0}
    one_bad = {"r^3": 0.05, "s^2": 0.05, "srsr": 0.9}  # root mean square 0.52 < 0.8, but srsr ≥ 0.8
    run = hand_made(0, regular, one_bad, judged="irreps", dim=30)
    row = judge_runs("table2", [("described", run)], paper, 0.8, "paper").rows.iloc[0]
    assert row["verdict: counts vs regular multiple"] == NOT_INTERPRETABLE_LABEL
    good = hand_made(0, regular, {**one_bad, "srsr": 0.1}, judged="irreps", dim=30)
    row = judge_runs("table2", [("described", good)], paper, 0.8, "quick").rows.iloc[0]
    assert row["verdict: counts vs regular multiple"] == "not comparable (quick) [reproduced]"


def test_regular_claim_holds_fails_or_is_not_testable():
    regular, other, small, large = {"+1": 21, "-1": 21}, {"+1": 30, "-1": 12}, {"r^2": 0.05}, {"r^2": 1.6}
    runs = [
        ("released", hand_made(0, regular, small)),
        ("released", hand_made(1, {"+1": 22, "-1": 20}, small)),
        ("described", hand_made(0, regular, small)),
        ("described", hand_made(1, regular, large)),
        ("common", hand_made(0, other, small)),
        ("common", hand_made(1, regular, large)),
    ]
    judged = judge_runs("table1", runs, TABLE1_PAPER, 0.9, "paper")
    assert judged.rows["run"].tolist() == [1, 2] * 3
    claims = regular_claims("table1", judged, 0.9).set_index("protocol")
    assert set(claims["claim"]) == {"latent_regular_tmnist"}
    assert claims["outcome"].to_dict() == {
        "released": "holds",
        "described": "not testable",
        "common": "fails",
    }
    assert "run(s) 2 not interpretable" in claims.loc["described", "detail"]
    assert "1.60 ≥ null threshold 0.90" in claims.loc["described", "detail"]
    assert "run(s) 1 interpretable and more than 1" in claims.loc["common", "detail"]


def test_null_baseline_file_has_bins_and_one_threshold():
    frame = null_frame("table1", 42)
    assert len(frame) == 20 and frame["draws"].sum() == 1000 and frame["threshold"].nunique() == 1
    assert frame[["residual_from", "residual_to"]].iloc[0].tolist() == [0.0, 0.1]
    threshold = frame["threshold"].iloc[0]
    below = frame[frame["residual_to"] <= threshold]
    assert (below["near_regular"] < 0.05).all() and 0.3 <= threshold <= 1.2
    assert null_frame("table1", 42).equals(frame)  # deterministic
