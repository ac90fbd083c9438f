"""Orbit metrics, bootstrap ensembles, data preparation, the DAG plan and the claim checks of the ensemble
experiments."""

import copy
import re
from functools import partial
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, bit_equal
from oracles import old_act_2d

from symrep.actions.planar import act_2d
from symrep.config import ConfigError
from symrep.experiments.ensembles import data as ensemble_data
from symrep.experiments.ensembles.data import Normalizer, augmenter, noise_images, subset, to_unit_images
from symrep.experiments.ensembles.metrics import (
    OrbitAccumulator,
    bootstrap_weights,
    ensemble_logits,
    orbit_metric_sums,
)
from symrep.experiments.ensembles.plan import (
    SUB_EXPERIMENTS,
    WILDCARDS,
    GerkenKesselPlan,
    NordenforsFlinthPlan,
)
from symrep.experiments.ensembles.report import (
    gerken_kessel_claims,
    gerken_kessel_table,
    nordenfors_flinth_claims,
    size_summary,
)
from symrep.groups import get_group


def orbit_of(f, x, group):
    act = partial(act_2d, group)
    return torch.stack([f(act(g, x)) for g in range(group.order)])  # (G, n, C)


def test_osp_and_div_of_an_invariant_and_of_a_random_model():
    group = get_group("C4")
    x = torch.rand(50, 1, 8, 8)
    w = torch.randn(64, 10, generator=torch.Generator().manual_seed(0))

    def f(z):
        return (z.flatten(1) @ w) * 3

    def invariant(z):
        return sum(f(torch.rot90(z, k, (-2, -1))) for k in range(4))

    inv = orbit_metric_sums(orbit_of(invariant, x, group).unsqueeze(0), None)
    assert inv["osp"].item() == pytest.approx(4 * 50) and inv["div"].item() == pytest.approx(0, abs=1e-3)
    rnd = orbit_metric_sums(orbit_of(f, x, group).unsqueeze(0), torch.zeros(50, dtype=torch.long))
    assert 50 <= rnd["osp"].item() < 4 * 50 and rnd["div"].item() > 1  # identity always counts
    assert 0 <= rnd["acc"].item() <= 50


def test_osp_lies_between_one_and_the_group_order():
    logits = torch.randn(3, 16, 20, 10)
    per_sample = (logits.argmax(-1) == logits.argmax(-1)[:, :1]).sum(1)
    assert per_sample.min() >= 1 and per_sample.max() <= 16
    sums = orbit_metric_sums(logits, None)
    assert torch.allclose(sums["osp"], per_sample.float().sum(-1)) and torch.isnan(sums["acc"]).all()


def test_bootstrap_weights_draw_with_replacement():
    w = bootstrap_weights(7, [2, 5, 7], 4, torch.Generator().manual_seed(0))
    assert w.shape == (12, 7) and torch.allclose(w.sum(1), torch.ones(12))
    counts = w * torch.tensor([2] * 4 + [5] * 4 + [7] * 4).unsqueeze(1)
    assert torch.allclose(counts, counts.round())
    again = bootstrap_weights(7, [2, 5, 7], 4, torch.Generator().manual_seed(0))
    assert torch.equal(w, again)


def test_ensemble_of_one_member_is_that_member_and_means_are_linear():
    logits = torch.randn(4, 3, 5, 10)
    one_hot = torch.eye(4)[[2]]
    torch.testing.assert_close(ensemble_logits(logits, one_hot)[0], logits[2])
    torch.testing.assert_close(
        ensemble_logits(logits, one_hot, "probabilities")[0].softmax(-1), logits[2].softmax(-1)
    )
    torch.testing.assert_close(ensemble_logits(logits, torch.full((1, 4), 0.25))[0], logits.mean(0))
    with pytest.raises(ValueError):
        ensemble_logits(logits, one_hot, "votes")


def test_accumulating_chunks_equals_one_pass():
    logits, labels = torch.randn(5, 4, 30, 10), torch.randint(0, 10, (30,))
    weights = bootstrap_weights(5, [3], 2, torch.Generator().manual_seed(1))
    whole = OrbitAccumulator(weights)
    whole.add(logits, labels)
    chunked = OrbitAccumulator(weights)
    for start in range(0, 30, 7):
        chunked.add(logits[:, :, start : start + 7], labels[start : start + 7])
    for a, b in zip(whole.result(), chunked.result()):
        for k in a:
            torch.testing.assert_close(a[k], b[k])


def test_colour_images_are_turned_grey_and_resized():
    red = np.zeros((2, 32, 32, 3), np.uint8)
    red[..., 0] = 255
    x = to_unit_images(red)
    assert x.shape == (2, 1, 28, 28) and torch.allclose(x, torch.full_like(x, 0.299), atol=1e-6)
    assert to_unit_images(np.full((1, 28, 28), 255, np.uint8)).eq(1).all()


def test_subsets_and_noise_are_seeded():
    assert torch.equal(subset(100, 10, 3), subset(100, 10, 3)) and not torch.equal(
        subset(100, 10, 3), subset(100, 10, 4)
    )
    assert set(subset(100, 5, 3).tolist()) <= set(subset(100, 10, 3).tolist())  # nested
    assert torch.equal(subset(5, None, 0), torch.arange(5))
    assert torch.equal(noise_images(3, 1), noise_images(3, 1)) and noise_images(3, 1).max() <= 1


def test_augmenting_before_or_after_normalising_differs_only_where_a_rotation_uncovers_the_canvas():
    x, norm = torch.rand(2, 1, 28, 28), Normalizer(0.2, 0.5)
    for name in ("C4", "C16"):
        group = get_group(name)
        before, after = augmenter(group, norm, True), augmenter(group, norm, False)
        for g in range(group.order):
            diff = (before(g, x) - after(g, x)).abs()
            if name == "C4" or g % 4 == 0:
                assert diff.max() < 1e-5
            else:
                assert diff[..., 13:15, 13:15].max() < 1e-5 and diff[..., 0, 0].max() == pytest.approx(
                    0.4, abs=1e-5
                )


@pytest.mark.parametrize("name", ["C4", "C8", "C16"])
@pytest.mark.parametrize("before", [True, False])
def test_random_augmentation_is_bit_identical_to_the_per_element_actions(name, before, monkeypatch):
    """The batched action (one gather, one grid_sample) augments as the old per-element loop did."""
    group, norm = get_group(name), Normalizer(0.2, 0.5)
    x = torch.rand(96, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    g = torch.randint(group.order, (96,), generator=torch.Generator().manual_seed(1))
    new = augmenter(group, norm, before)(g, x)
    monkeypatch.setattr(ensemble_data, "act_2d", old_act_2d)
    assert bit_equal(new, augmenter(group, norm, before)(g, x))


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def wildcards(**values):
    return SimpleNamespace(**values)


def test_plan_blocks_cover_every_member_once(config):
    nf, gk = NordenforsFlinthPlan(config), GerkenKesselPlan(config)
    blocks = nf.blocks()
    assert blocks[0] == (0, 250) and blocks[-1][1] == 1000 and len(blocks) == 4
    assert nf.runs()[:3] == [("C4", "cnn"), ("C4", "sym"), ("C4", "asym")]
    assert gk.runs() == [("C4", "cnn"), ("C8", "cnn"), ("C16", "cnn")]
    train = nf.train_settings(wildcards(group="C16", architecture="asym", block="1"))
    assert train["members"] == [250, 500] and train["spec"]["support"] == "asym" and not train["keep_epochs"]
    assert "device" not in train and "deterministic" not in train  # rule params, not what defines a run
    assert nf.eval_settings(wildcards(group="C4", architecture="sym"))["curve_epochs"] == list(range(11))
    assert gk.eval_settings(wildcards(group="C8", architecture="cnn"))["sizes"] == [100]
    assert gk.weights(wildcards(group="C8", architecture="cnn")) == [
        "results/ensembles/gerken_kessel/C8/cnn/block0/weights.pt",
        "results/ensembles/gerken_kessel/C8/cnn/block1/weights.pt",
    ]
    assert nf.curve_evaluations() == [
        f"results/ensembles/nordenfors_flinth/C4/{a}/evaluation.csv" for a in ("cnn", "sym", "asym")
    ]
    assert "results/figures/figure9.png" in nf.targets() and "results/tables/table11.md" in gk.targets()
    assert nf.datasets() == {"mnist", "cifar10"} and gk.datasets() == {"fashion_mnist", "cifar10"}
    config["experiments"]["ensembles"]["gerken_kessel"]["members_per_job"] = 30
    assert GerkenKesselPlan(config).blocks() == [(0, 30), (30, 60), (60, 90), (90, 100)]
    config["experiments"]["ensembles"]["nordenfors_flinth"]["epoch_curve_groups"] = []
    assert "results/figures/figure9.png" not in NordenforsFlinthPlan(config).targets()


def test_plan_rejects_ensembles_larger_than_the_pool(config):
    bad = copy.deepcopy(config)
    bad["experiments"]["ensembles"]["gerken_kessel"]["ensemble_size"] = 101
    with pytest.raises(ConfigError, match="ensemble size 101 exceeds the 100"):
        GerkenKesselPlan(bad)
    bad = copy.deepcopy(config)
    bad["experiments"]["ensembles"]["nordenfors_flinth"]["epoch_curve_groups"] = ["C16"]
    bad["experiments"]["ensembles"]["nordenfors_flinth"]["groups"] = ["C4"]
    with pytest.raises(ConfigError, match="C16"):
        NordenforsFlinthPlan(bad)
    config["experiments"]["ensembles"]["enabled"] = False
    config["experiments"]["ensembles"]["gerken_kessel"]["ensemble_size"] = 101
    assert not GerkenKesselPlan(config).enabled  # a disabled experiment is not checked


def schema_enums(schema: dict, defs: dict) -> dict:
    """Config key -> the enum of its value (or of its items), following the schema's local $refs."""

    def resolve(node):
        while "$ref" in node and node["$ref"].startswith("#/$defs/"):
            node = defs[node["$ref"].removeprefix("#/$defs/")]
        return node

    enums = {}
    for key, node in schema["properties"].items():
        node = resolve(node)
        node = resolve(node.get("items", node))
        if "enum" in node:
            enums[key] = tuple(node["enum"])
    return enums


@pytest.mark.parametrize("plan", SUB_EXPERIMENTS)
def test_schema_enums_are_the_plans_allowed_values(plan):
    schema = yaml.safe_load(
        (REPO / "config" / "schemas" / "experiments" / "ensembles.schema.yaml").read_text()
    )
    assert schema_enums(schema["properties"][plan.sub], schema["$defs"]) == dict(plan.ALLOWED)


def test_wildcard_constraints_match_exactly_the_allowed_values():
    def matches(key, value):
        return re.fullmatch(WILDCARDS[key], value) is not None

    assert all(matches("sub", s) for s in ("nordenfors_flinth", "gerken_kessel")) and not matches(
        "sub", "ensembles"
    )
    assert all(matches("group", g) for g in ("C4", "C8", "C16")) and not matches("group", "C16_sym")
    assert all(matches("architecture", a) for a in ("cnn", "sym", "asym")) and not matches(
        "architecture", "mlp"
    )


def evaluation_frame(osp, div):
    """A minimal evaluation CSV: osp/div of {(arch, kind): value} for group C4, one eval set."""
    rows = []
    for (arch, kind), value in osp.items():
        extra = {"member": 0} if kind == "member" else {"size": 4, "bootstrap": 0}
        rows.append(
            {
                "group": "C4",
                "architecture": arch,
                "eval_set": "ood",
                "epoch": 1,
                "kind": kind,
                "acc": float("nan"),
                "osp": value,
                "div": div[(arch, kind)],
                **extra,
            }
        )
    return pd.DataFrame(rows)


def test_claim_checks_follow_the_numbers():
    frame = evaluation_frame(
        {
            ("sym", "member"): 2.0,
            ("sym", "ensemble"): 3.5,
            ("asym", "member"): 2.5,
            ("asym", "ensemble"): 2.0,
        },
        {
            ("sym", "member"): 5.0,
            ("sym", "ensemble"): 1.0,
            ("asym", "member"): 5.0,
            ("asym", "ensemble"): 2.0,
        },
    )
    claims = nordenfors_flinth_claims(size_summary(frame, 0)).set_index(["claim", "compared"])["verdict"]
    assert claims[("ensemble_vs_members", "SYM ensemble of 4 vs its members")] == "holds"
    assert claims[("ensemble_vs_members", "ASYM ensemble of 4 vs its members")] == "does not hold"
    assert claims[("sym_vs_asym", "SYM vs ASYM ensembles of 4")] == "holds"


def test_table11_puts_this_run_beside_the_talk():
    frame = evaluation_frame(
        {("cnn", "member"): 3.0, ("cnn", "ensemble"): 3.6}, {("cnn", "member"): 1.0, ("cnn", "ensemble"): 0.5}
    )
    frame = pd.concat([frame, frame.assign(eval_set="id", acc=0.5)])
    table, accuracy = gerken_kessel_table(frame, REPO / "config" / "reference" / "table11.yaml", 0)
    assert list(table.columns) == ["method", "source", "C4", "C8", "C16"]
    ours = table[table.source == "this run"].set_index("method")
    assert ours.loc["DeepEns+DA", "C4"] == "3.60 ± 0.00" and ours.loc["only DA", "C8"] == ""
    assert set(table[table.method == "E2CNN"].source) == {"talk (not reproduced)"}
    assert table.loc[table.source == "talk", "C16"].iloc[0] == "15.24 ± 0.69"
    assert gerken_kessel_claims(table).verdict.tolist() == ["holds"]
    assert accuracy.acc_mean.tolist() == [0.5, 0.5]


def test_osp_agrees_with_the_toolkit():
    """Our OSP from stored orbit logits equals symrep.symmetrize.orbit_same_predictions on the model."""
    from oracles import orbit_same_predictions

    group = get_group("C16")
    x = torch.rand(20, 1, 12, 12)
    w = torch.randn(144, 10, generator=torch.Generator().manual_seed(2))

    def f(z):
        return z.flatten(1) @ w

    expected = orbit_same_predictions(f, x, group, partial(act_2d, group)).float().sum()
    assert orbit_metric_sums(orbit_of(f, x, group), None)["osp"].item() == expected.item()
