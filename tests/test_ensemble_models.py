"""Ensemble members and the stacked (batched) ensemble: parameter counts, supports, initialisation,
the group action pulled back onto parameters, and batched forward passes."""

import pytest
import torch

from symrep.models.ensemble_cnns import (
    SUPPORTS,
    PlainCNN,
    SupportCNN,
    build_member,
    init_support_cnn,
    rotation_closed_part,
    support_mask,
)
from symrep.models.stacked import StackedEnsemble

NF = {"model": "support_cnn", "channels": 16, "asym_init": "symmetric"}
GK = {"model": "plain_cnn", "channels": [32, 64, 64], "hidden": 110}


def nf(support, **changes):
    return {**NF, "support": support, **changes}


def test_parameter_counts():
    assert sum(p.numel() for p in SupportCNN("cnn").parameters()) == 12_592  # "about 12.6k" (protocols §7)

    def effective(model):  # the support positions of each filter plus the linear layer
        convs = sum(int(c.mask.sum()) * c.weight.shape[0] * c.weight.shape[1] for c in model.convs)
        return convs + model.linear.weight.numel()

    assert effective(SupportCNN("cnn")) == 12_592
    assert effective(SupportCNN("sym")) == effective(SupportCNN("asym")) == 10_480
    assert sum(p.numel() for p in PlainCNN().parameters()) == 120_324  # ensembles.md §7: ~120k


def test_supports_and_their_rotation_invariance():
    for name in SUPPORTS:
        assert int(support_mask(name).sum()) == (9 if name == "cnn" else 5)
    for name in ("cnn", "sym"):
        mask = support_mask(name)
        assert all(torch.equal(torch.rot90(mask, k), mask) for k in range(4))
        assert torch.equal(rotation_closed_part(mask), mask)
    asym = support_mask("asym")
    assert not torch.equal(torch.rot90(asym, 1), asym)
    plus = torch.tensor([[0.0, 1, 0], [1, 0, 1], [0, 1, 0]])
    assert torch.equal(rotation_closed_part(asym), plus)  # the corner's orbit leaves the support


@pytest.mark.parametrize("support", list(SUPPORTS))
def test_initialisation_is_standard_normal_on_the_support(support):
    model = build_member(nf(support), seed=3)
    for conv in model.convs:
        outside = conv.weight * (1 - conv.mask)
        assert torch.count_nonzero(outside) == 0
    weights = torch.cat([model.convs[2].weight.flatten(), model.linear.weight.flatten()]).detach()
    weights = weights[weights != 0]
    assert abs(float(weights.mean())) < 0.05 and abs(float(weights.std()) - 1) < 0.05


def test_symmetric_init_of_asym_zeroes_the_corner_and_released_zeroes_nothing():
    symmetric = build_member(nf("asym", asym_init="symmetric"), seed=0)
    released = build_member(nf("asym", asym_init="released"), seed=0)
    for conv_s, conv_r in zip(symmetric.convs, released.convs):
        assert torch.count_nonzero(conv_s.weight[..., 0, 0]) == 0
        assert torch.count_nonzero(conv_r.weight[..., 0, 0]) == conv_r.weight[..., 0, 0].numel()
    with pytest.raises(ValueError, match="asym_init"):
        init_support_cnn(SupportCNN("asym"), torch.Generator(), "fixed")


def test_members_are_functions_of_their_seed():
    for spec in (nf("sym"), GK):
        a, b, c = build_member(spec, 5), build_member(spec, 5), build_member(spec, 6)
        for (name, pa), pb, _pc in zip(
            a.state_dict().items(), b.state_dict().values(), c.state_dict().values()
        ):
            assert torch.equal(pa, pb), name
        assert any(not torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters()))
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    build_member(GK, 1)
    assert torch.equal(torch.rand(1), before)  # the global RNG is left alone


def rotate_parameters(model: SupportCNN, k: int) -> SupportCNN:
    """The C4 action pulled back onto the parameters: every (masked) filter and the linear layer's 7x7 maps
    rotated; the result lives in the full 3x3 parameter space."""
    out = SupportCNN("cnn", model.convs[0].weight.shape[0])
    with torch.no_grad():
        for src, dst in zip(model.convs, out.convs):
            dst.weight.copy_(torch.rot90(src.weight * src.mask, k, (-2, -1)))
        w = model.linear.weight.view(10, -1, 7, 7)
        out.linear.weight.copy_(torch.rot90(w, k, (-2, -1)).reshape(10, -1))
    return out


@pytest.mark.parametrize("support", list(SUPPORTS))
def test_rotating_the_parameters_rotates_the_input(support):
    """f_{g·A}(g·x) = f_A(x): the representation of C4 on parameter space (Nordenfors & Flinth's ρ_L).
    The support is invariant (the condition of the theorem) exactly for cnn and sym."""
    model = build_member(nf(support, asym_init="released"), seed=1)
    x = torch.randn(4, 1, 28, 28)
    for k in range(1, 4):
        rotated = rotate_parameters(model, k)
        torch.testing.assert_close(rotated(torch.rot90(x, k, (-2, -1))), model(x), atol=1e-4, rtol=1e-4)
        mask = support_mask(support)
        inside = all(torch.count_nonzero(c.weight * (1 - mask)) == 0 for c in rotated.convs)
        assert inside == (support != "asym")


@pytest.mark.parametrize("spec", [nf("asym"), GK], ids=["support_cnn", "plain_cnn"])
@pytest.mark.parametrize("members_per_batch", [1, 2, 5])
def test_stacked_forward_equals_each_member(spec, members_per_batch):
    members = [build_member(spec, s) for s in range(5)]
    stacked = StackedEnsemble(members, members_per_batch)
    x = torch.randn(5, 3, 1, 28, 28)
    expected = torch.stack([m(x[e]) for e, m in enumerate(members)])
    torch.testing.assert_close(stacked(x), expected, atol=1e-5, rtol=1e-5)
    shared = torch.stack([m(x[0]) for m in members])
    torch.testing.assert_close(stacked(x[0], shared=True), shared, atol=1e-5, rtol=1e-5)
    for name, value in {n: v[3] for n, v in stacked.stacked_state().items()}.items():
        assert torch.equal(value, members[3].state_dict()[name])


def test_stacked_state_holds_only_the_stacked_parameters():
    stacked = StackedEnsemble([build_member(nf("sym"), s) for s in range(3)])
    assert all(v.shape[0] == 3 and v.device.type == "cpu" for v in stacked.state_dict().values())
    assert sum(p.numel() for p in stacked.parameters()) == 3 * 12_592
    with pytest.raises(ValueError):
        StackedEnsemble([])
    with pytest.raises(ValueError):
        StackedEnsemble([build_member(nf("sym"), 0)], members_per_batch=0)
