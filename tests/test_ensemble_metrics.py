"""Orbit metrics, bootstrapped and independent ensembles, data preparation, the DAG plan and its protocols,
the claims and Table 11 of the ensemble experiments."""

import copy
import re
from functools import partial
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, bit_equal, snakemake
from oracles import old_act_2d

from symrep.actions.planar import act_2d
from symrep.config import ConfigError
from symrep.experiments.ensembles import data as ensemble_data
from symrep.experiments.ensembles.data import Normalizer, augmenter, noise_images, subset, to_unit_images
from symrep.experiments.ensembles.metrics import (
    OrbitAccumulator,
    bootstrap_weights,
    disjoint_weights,
    ensemble_draws,
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
    APPROACHES,
    FAR_MORE,
    SYM_VS_ASYM,
    claim_records,
    nordenfors_flinth_cases,
    size_summary,
    table11,
)
from symrep.groups import get_group
from symrep.report.claims import evaluate as evaluate_claims
from symrep.report.claims import load_claims
from symrep.report.reference import reference_frame


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


def test_independent_ensembles_share_no_member():
    w = disjoint_weights(11, 5, torch.Generator().manual_seed(0))
    assert w.shape == (2, 11) and torch.allclose(w.sum(1), torch.ones(2))
    picked = w > 0
    assert picked.sum(1).tolist() == [5, 5] and not (picked[0] & picked[1]).any()
    assert torch.equal(w, disjoint_weights(11, 5, torch.Generator().manual_seed(0)))
    weights, sizes, draws = ensemble_draws(10, {"sizes": [5], "draw": "disjoint"}, torch.Generator())
    assert weights.shape == (2, 10) and sizes == [5, 5] and draws == [0, 1]
    weights, sizes, draws = ensemble_draws(
        10, {"sizes": [2, 3], "draw": "bootstrap", "bootstraps": 2}, torch.Generator()
    )
    assert weights.shape == (4, 10) and sizes == [2, 2, 3, 3] and draws == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="draw"):
        ensemble_draws(10, {"sizes": [2], "draw": "all"}, torch.Generator())


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
    assert nf.runs()[:4] == [("C4", a) for a in ("cnn", "sym", "asym_syminit", "asym_asyminit")]
    assert gk.runs() == [("C4", "cnn"), ("C8", "cnn"), ("C16", "cnn")]
    train = nf.train_settings(
        wildcards(variant="common", group="C16", architecture="asym_asyminit", block="1")
    )
    assert train["members"] == [250, 500] and not train["keep_epochs"]
    assert train["spec"] == {"model": "support_cnn", "support": "asym", "channels": 16, "init": "normal"}
    assert not {"architecture", "ood_normalization", "device", "deterministic"} & set(train)
    evaluation = nf.eval_settings(wildcards(variant="released", group="C4", architecture="sym"))
    assert evaluation["curve_epochs"] == list(range(11)) and evaluation["ood_normalization"] == "released"
    assert gk.eval_settings(wildcards(variant="common", group="C8", architecture="cnn"))["sizes"] == [100]
    assert gk.weights(wildcards(variant="common", group="C8", architecture="cnn")) == [
        f"results/ensembles/gerken_kessel/common/C8/cnn/block{b}/weights.pt" for b in range(10)
    ]
    assert nf.curve_runs() == [
        [p, f"results/ensembles/nordenfors_flinth/{p}/C4/{a}/evaluation.csv"]
        for p in ("released", "described")
        for a in ("cnn", "sym", "asym_syminit", "asym_asyminit")
    ]
    assert "results/figures/figure9.png" in nf.targets() and "results/tables/table11.md" in gk.targets()
    assert nf.claim_files() == [nf.CLAIMS] and gk.verdict_files() == ["results/verdicts/table11.csv"]
    assert nf.datasets() == {"mnist", "cifar10"} and gk.datasets() == {"fashion_mnist", "cifar10"}
    config["experiments"]["ensembles"]["gerken_kessel"]["members_per_job"] = 200
    assert GerkenKesselPlan(config).blocks() == [(0, 200), (200, 400), (400, 500)]
    config["experiments"]["ensembles"]["nordenfors_flinth"]["epoch_curve_groups"] = []
    assert "results/figures/figure9.png" not in NordenforsFlinthPlan(config).targets()


def test_protocol_bundles_set_exactly_the_released_and_the_described_values(config):
    nf = config["experiments"]["ensembles"]["nordenfors_flinth"]
    assert nf["protocols"] == ["released", "described"]
    assert nf["protocol_options"] == {
        "released": {"ood_normalization": "released", "asym_syminit": "normal"},
        "described": {"ood_normalization": "train", "asym_syminit": "symmetric"},
    }
    gk = config["experiments"]["ensembles"]["gerken_kessel"]
    assert gk["protocols"] == ["described"] and gk["protocol_options"] == {"described": {}}


def test_runs_differ_by_protocol_exactly_where_their_settings_do(config):
    """Training is common but for the described ASYM-SYMINIT (the released one is the ASYM-ASYMINIT run);
    every Nordenfors & Flinth evaluation differs (OOD normalisation); Gerken & Kessel has one protocol."""
    nf, gk = NordenforsFlinthPlan(config), GerkenKesselPlan(config)
    for group in ("C4", "C16"):
        for arch in ("cnn", "sym", "asym_asyminit"):
            assert {nf.training_run(p, group, arch) for p in ("released", "described")} == {("common", arch)}
        assert nf.training_run("released", group, "asym_syminit") == ("common", "asym_asyminit")
        assert nf.training_run("described", group, "asym_syminit") == ("described", "asym_syminit")
    runs = nf.evaluation_runs()
    assert len(runs) == 2 * 2 * 4 and all(f"/{p}/" in f for p, f in runs)
    assert released_syminit_weights(nf) == released_syminit_weights(nf, "asym_asyminit")
    assert gk.evaluation_runs() == [
        ["described", f"results/ensembles/gerken_kessel/common/{g}/cnn/evaluation.csv"]
        for g in ("C4", "C8", "C16")
    ]
    dry = snakemake("-n", "--cores", "1", "ensembles")
    assert dry.returncode == 0, dry.stderr[-2000:]
    jobs = [line.split("wildcards: ")[1] for line in dry.stdout.splitlines() if "wildcards: sub=" in line]
    train = [j for j in jobs if "block=" in j]
    assert len(train) == len(set(train)) == 4 * (3 * 2 + 2) + 10 * 3
    assert sum("variant=described" in j for j in train) == 4 * 2
    assert not any("architecture=asym_syminit" in j and "variant=described" not in j for j in train)
    assert len(jobs) - len(train) == 2 * 2 * 4 + 3


def released_syminit_weights(plan, architecture="asym_syminit"):
    return plan.weights(wildcards(variant="released", group="C4", architecture=architecture))


def test_plan_rejects_pools_that_hold_no_independent_ensembles(config):
    bad = copy.deepcopy(config)
    bad["experiments"]["ensembles"]["gerken_kessel"]["members"] = 150
    with pytest.raises(ConfigError, match="a pool of 150 holds no two independent ensembles of 100"):
        GerkenKesselPlan(bad)
    one = copy.deepcopy(config)
    one["experiments"]["ensembles"]["gerken_kessel"]["members"] = 100
    assert GerkenKesselPlan(one).enabled  # exactly one ensemble: allowed, reported without spread
    bad = copy.deepcopy(config)
    bad["experiments"]["ensembles"]["nordenfors_flinth"]["ensemble_sizes"] = [1001]
    with pytest.raises(ConfigError, match="ensemble size 1001 exceeds the 1000"):
        NordenforsFlinthPlan(bad)
    bad = copy.deepcopy(config)
    bad["experiments"]["ensembles"]["nordenfors_flinth"]["epoch_curve_groups"] = ["C16"]
    bad["experiments"]["ensembles"]["nordenfors_flinth"]["groups"] = ["C4"]
    with pytest.raises(ConfigError, match="C16"):
        NordenforsFlinthPlan(bad)
    config["experiments"]["ensembles"]["enabled"] = False
    config["experiments"]["ensembles"]["gerken_kessel"]["members"] = 150
    assert not GerkenKesselPlan(config).enabled  # a disabled experiment is not checked


def test_wildcard_constraints_match_exactly_the_allowed_values():
    def matches(key, value):
        return re.fullmatch(WILDCARDS[key], value) is not None

    assert all(matches("sub", s) for s in ("nordenfors_flinth", "gerken_kessel")) and not matches(
        "sub", "ensembles"
    )
    assert all(matches("variant", v) for v in ("released", "described", "common")) and not matches(
        "variant", "paper"
    )
    assert all(matches("group", g) for g in ("C4", "C8", "C16")) and not matches("group", "C16_sym")
    archs = ("cnn", "sym", "asym_syminit", "asym_asyminit")
    assert all(matches("architecture", a) for a in archs) and not matches("architecture", "asym")


def evaluation_frame(curves: dict, protocol: str = "described") -> pd.DataFrame:
    """A minimal evaluation CSV for group C4, out of distribution: per architecture, members' (osp, div)
    and ensembles' {size: [(osp, div) per draw]}."""
    rows = []
    base = {"group": "C4", "eval_set": "ood", "epoch": 1, "acc": float("nan"), "protocol": protocol}
    for arch, (members, ensembles) in curves.items():
        rows += [
            {**base, "architecture": arch, "kind": "member", "member": i, "osp": o, "div": d}
            for i, (o, d) in enumerate(members)
        ]
        rows += [
            {**base, "architecture": arch, "kind": "ensemble", "size": z, "draw": i, "osp": o, "div": d}
            for z, draws in ensembles.items()
            for i, (o, d) in enumerate(draws)
        ]
    return pd.DataFrame(rows)


MEMBERS = [(1.5, 40.0), (2.0, 30.0), (2.5, 20.0)]
TALK_CLAIM = "talk_deepens_beats_only_da"


def test_claims_are_decided_case_by_case_per_protocol():
    frame = evaluation_frame(
        {
            "sym": (MEMBERS, {2: [(2.8, 12.0), (3.0, 10.0)], 4: [(3.5, 5.0), (3.7, 4.0)]}),
            "asym_asyminit": (MEMBERS, {2: [(2.4, 15.0), (2.6, 13.0)], 4: [(2.0, 19.0), (2.2, 21.0)]}),
        }
    )
    cases = nordenfors_flinth_cases(size_summary(frame, 0))
    assert cases.loc[cases.claim == APPROACHES, "compared"].tolist() == ["sizes 1 (members), 2, 4"] * 2
    outcomes = cases.set_index(["claim", "architecture"])["outcome"]
    assert outcomes[(FAR_MORE, "SYM")] == "holds" and outcomes[(FAR_MORE, "ASYM-ASYMINIT")] == "fails"
    assert outcomes[(SYM_VS_ASYM, "SYM vs ASYM-ASYMINIT")] == "holds"
    assert outcomes[(APPROACHES, "SYM")] == "holds"
    assert outcomes[(APPROACHES, "ASYM-ASYMINIT")] == "fails"  # drops by more than one bootstrap std
    records = claim_records(nordenfors_flinth_cases(size_summary(frame, 0)), ["described", "released"])
    outcome = records.set_index(["claim", "protocol"])["outcome"]
    assert outcome[(SYM_VS_ASYM, "described")] == "holds" and outcome[(FAR_MORE, "described")] == "fails"
    assert outcome[(FAR_MORE, "released")] == "not testable"
    detail = records.set_index(["claim", "protocol"]).loc[(FAR_MORE, "described"), "detail"]
    assert detail == "1 of 2 cases hold (claim_cases.md); fails: C4 OOD ASYM-ASYMINIT"
    alone = claim_records(
        nordenfors_flinth_cases(size_summary(frame[frame.architecture == "sym"], 0)), ["described"]
    )
    assert alone.set_index("claim").loc[SYM_VS_ASYM, "outcome"] == "not testable"


def test_figure8_has_the_four_labelled_curves(tmp_path, monkeypatch):
    from symrep.experiments.ensembles import figures

    curve = (MEMBERS, {2: [(2.8, 12.0), (3.0, 10.0)], 4: [(3.5, 5.0), (3.7, 4.0)]})
    archs = ("cnn", "sym", "asym_syminit", "asym_asyminit")
    frame = pd.concat([evaluation_frame(dict.fromkeys(archs, curve), p) for p in ("released", "described")])
    frame = pd.concat([frame, frame.assign(eval_set="id", acc=0.5)])
    shown = {}
    monkeypatch.setattr(figures, "save_figure", lambda fig, png, pdf: shown.setdefault("fig", fig))
    figures.figure_sizes(size_summary(frame, 0), "f.png", "f.pdf", "test")
    axes = shown["fig"].axes
    assert len(axes) == 2 * 4  # (protocol, group) rows x (OSP, DIV) x (id, ood)
    expected = ["CNN ensemble", "SYM ensemble", "ASYM-SYMINIT ensemble", "ASYM-ASYMINIT ensemble"]
    for ax in axes:
        assert [c.get_label() for c in ax.containers] == expected
    legend = [t.get_text() for t in shown["fig"].legends[0].get_texts()]
    assert all(name in legend for name in expected) and "ASYM-SYMINIT members" in legend
    assert axes[0].get_title().startswith("released, C4") and axes[4].get_title().startswith("described, C4")


def test_table11_puts_this_run_beside_the_talk_with_a_verdict_per_cell():
    frame = evaluation_frame({"cnn": ([(2.5, 1.0), (2.7, 1.0)], {4: [(3.8, 0.5), (3.9, 0.5)]})})
    reference = reference_frame(REPO / "config" / "reference" / "table11.yaml")
    table, records = table11(frame, reference, 0, "paper")
    assert list(table.columns) == ["method", "source", "protocol", "C4", "C4 verdict", "C8", "C16"]
    assert table[["method", "source"]].values.tolist() == [
        ["DeepEns+DA", "this run"],
        ["DeepEns+DA", "paper"],
        ["only DA", "this run"],
        ["only DA", "paper"],
        ["E2CNN", "paper (not reproduced here)"],
        ["Canon", "paper (not reproduced here)"],
    ]
    ours = table[table.source == "this run"].set_index("method")
    assert (
        ours.loc["DeepEns+DA", "C4"] == "3.85 (0.05)" and ours.loc["DeepEns+DA", "C4 verdict"] == "reproduced"
    )
    assert ours.loc["only DA", "C4 verdict"] == "differs" and ours.loc["only DA", "protocol"] == "described"
    assert table.loc[table.method == "Canon", "C16"].iloc[0] == "12.41 (0.85)"
    assert records[["row", "column", "kind", "runs"]].values.tolist() == [
        ["DeepEns+DA", "C4", "osp", 2],
        ["only DA", "C4", "osp", 2],
    ]
    talk = [c for c in load_claims(REPO / "config" / "reference" / "claims.yaml") if c["id"] == TALK_CLAIM]
    out = evaluate_claims(talk, records, pd.DataFrame(), {"ensembles.gerken_kessel"}, "paper")
    assert out[["protocol", "outcome", "detail"]].values.tolist() == [
        ["described", "not testable", "C8: a row is missing"]
    ]
    every_group = pd.concat([frame.assign(group=g) for g in ("C4", "C8", "C16")])
    records = table11(every_group, reference, 0, "quick")[1]
    out = evaluate_claims(talk, records, pd.DataFrame(), {"ensembles.gerken_kessel"}, "quick")
    assert out[["protocol", "outcome"]].values.tolist() == [["described", "not comparable (quick) [holds]"]]


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


def test_the_claims_name_the_sub_experiment_that_decides_them():
    """The reproduction summary tests a claim only when its `experiment` is an enabled plan's name."""
    claims = [
        c
        for c in load_claims(REPO / "config" / "reference" / "claims.yaml")
        if "ensembles" in c["experiment"]
    ]
    by_plan = {
        plan.name: {c["id"] for c in claims if c["experiment"] == plan.name} for plan in SUB_EXPERIMENTS
    }
    assert by_plan == {
        NordenforsFlinthPlan.name: {FAR_MORE, SYM_VS_ASYM, APPROACHES},
        GerkenKesselPlan.name: {TALK_CLAIM},
    }
    assert {c["predicate"] for c in claims if c["id"] != TALK_CLAIM} == {"reported"}
