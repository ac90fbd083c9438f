"""Ensemble members and the stacked (batched) ensemble: parameter counts, supports, initialisation,
the group action pulled back onto parameters (both experiments' members), and batched forward passes."""

import copy

import pytest
import torch
import torch.nn.functional as F

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

NF = {"model": "support_cnn", "channels": 16, "init": "normal"}
GK = {"model": "plain_cnn", "channels": [32, 64, 64], "hidden": 62}


def nf(support, **changes):
    return {**NF, "support": support, **changes}


def test_parameter_counts():
    assert sum(p.numel() for p in SupportCNN("cnn").parameters()) == 12_592  # "about 12.6k" (protocols §7)

    def effective(model):  # the support positions of each filter plus the linear layer
        convs = sum(int(c.mask.sum()) * c.weight.shape[0] * c.weight.shape[1] for c in model.convs)
        return convs + model.linear.weight.numel()

    assert effective(SupportCNN("cnn")) == 12_592
    assert effective(SupportCNN("sym")) == effective(SupportCNN("asym")) == 10_480
    assert (
        sum(p.numel() for p in PlainCNN().parameters()) == 119_924
    )  # the rebuttal's ~120k (ensembles.md §1.1)


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


def test_symmetric_init_of_asym_zeroes_the_corner_and_normal_zeroes_nothing():
    """ASYM-SYMINIT (described) vs ASYM-ASYMINIT and the released ASYM-SYMINIT: the same draws, the
    corner zeroed or not."""
    symmetric = build_member(nf("asym", init="symmetric"), seed=0)
    normal = build_member(nf("asym", init="normal"), seed=0)
    for conv_s, conv_n in zip(symmetric.convs, normal.convs):
        assert torch.count_nonzero(conv_s.weight[..., 0, 0]) == 0
        assert torch.count_nonzero(conv_n.weight[..., 0, 0]) == conv_n.weight[..., 0, 0].numel()
        plus = rotation_closed_part(conv_s.mask).bool()
        assert torch.equal(conv_s.weight[..., plus], conv_n.weight[..., plus])
    assert torch.equal(symmetric.linear.weight, normal.linear.weight)
    with pytest.raises(ValueError, match="init"):
        init_support_cnn(SupportCNN("asym"), torch.Generator(), "released")


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
    model = build_member(nf(support), seed=1)
    x = torch.randn(4, 1, 28, 28)
    for k in range(1, 4):
        rotated = rotate_parameters(model, k)
        torch.testing.assert_close(rotated(torch.rot90(x, k, (-2, -1))), model(x), atol=1e-4, rtol=1e-4)
        mask = support_mask(support)
        inside = all(torch.count_nonzero(c.weight * (1 - mask)) == 0 for c in rotated.convs)
        assert inside == (support != "asym")


def rotate_plain_parameters(model: PlainCNN, k: int) -> PlainCNN:
    """The C4 action pulled back onto a Gerken & Kessel member: every filter and the dense layer's 4x4 maps
    rotated (biases and the output layer unchanged)."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for src, dst in zip(model.convs, out.convs):
            dst.weight.copy_(torch.rot90(src.weight, k, (-2, -1)))
        w = model.hidden.weight
        out.hidden.weight.copy_(torch.rot90(w.view(len(w), -1, 4, 4), k, (-2, -1)).reshape(len(w), -1))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_gerken_kessel_member_with_rotated_parameters_gives_the_rotated_logits(seed):
    """f_{g·θ}(g·x) = f_θ(x) to < 1e-5 relative for every quarter turn, at initialisation and for generic
    parameters (perturbed off the initial law): an infinite augmented ensemble of these members is exactly C4-invariant."""
    model = build_member(GK, seed)
    generic = copy.deepcopy(model)
    with torch.no_grad():
        for p in generic.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(seed)))
    x = torch.randn(16, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        for member in (model, generic):
            logits = member(x)
            for k in range(1, 4):
                rotated = rotate_plain_parameters(member, k)(torch.rot90(x, k, (-2, -1)))
                assert float((rotated - logits).norm() / logits.norm()) < 1e-5


def test_a_two_by_two_pool_of_a_seven_by_seven_map_does_not_commute_with_quarter_turns():
    """Why the last pool is 3x3/stride 2/padding 1: 2x2 pooling drops row and column 6 of a 7x7 map."""
    y = torch.randn(1, 1, 7, 7, generator=torch.Generator().manual_seed(0))
    turned = torch.rot90(y, 1, (-2, -1))
    assert not torch.equal(F.max_pool2d(turned, 2), torch.rot90(F.max_pool2d(y, 2), 1, (-2, -1)))
    pool = PlainCNN.POOLS[-1]
    assert torch.equal(F.max_pool2d(turned, *pool), torch.rot90(F.max_pool2d(y, *pool), 1, (-2, -1)))


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
