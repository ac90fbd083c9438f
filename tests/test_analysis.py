import functools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import defining_representation, equivariance_error

from symrep.actions.planar import act_2d, rot90
from symrep.analysis import (
    _burnside,
    algebra_loss,
    character_table,
    cyclic_eigen_counts,
    irrep_multiplicities,
    matrices_from_generators,
    relation_residuals,
)
from symrep.groups import get_group
from symrep.representations import latent_representation, regular_representation

GROUPS = ["C2", "C4", "C8", "C16", "D1", "D3", "D4", "C4xC4", "D1xD1", "D4xD4", "O"]


def random_orthogonal(d, seed):
    q, _ = torch.linalg.qr(
        torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    )
    return q


# ---------------------------------------------------------------- eigenvalue counts


def test_cyclic_eigen_counts_order_of_roots():
    rot = torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # eigenvalues ±i
    assert cyclic_eigen_counts(rot, 4) == [0, 1, 0, 1]
    assert cyclic_eigen_counts(torch.diag(torch.tensor([1.0, -1.0, -1.0])), 4) == [1, 0, 2, 0]
    assert cyclic_eigen_counts(torch.diag(torch.tensor([0.9, -1.1, 1.05])), 2) == [2, 1]
    # an eigenvalue slightly off i still counts at i (k = 1), not at -i
    t = math.pi / 2 + 0.2
    off = torch.tensor([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    assert cyclic_eigen_counts(torch.block_diag(off, torch.eye(1)), 4) == [1, 1, 0, 1]


@given(st.sampled_from([2, 3, 4, 8, 16]), st.integers(1, 4), st.integers(0, 7), st.integers(0, 1000))
@settings(max_examples=25, deadline=None)
def test_eigen_counts_of_copies_and_padding(n, m, r, seed):
    group = get_group(f"C{n}")
    r = r % n
    rho = latent_representation(group, m * n + r, dtype=torch.float64)
    q = random_orthogonal(m * n + r, seed)
    assert cyclic_eigen_counts(q @ rho[1] @ q.T, n) == [m + r] + [m] * (n - 1)


# ---------------------------------------------------------------- character tables


@pytest.mark.parametrize("name", GROUPS)
def test_character_table_orthogonality(name):
    group = get_group(name)
    t = character_table(group)
    chi = t.per_element()
    n_irr = len(t.names)
    assert n_irr == len(t.classes) == len(set(t.names)) and t.names[0] == "trivial"
    assert sum(d * d for d in t.dims) == group.order
    np.testing.assert_allclose(chi @ chi.conj().T / group.order, np.eye(n_irr), atol=1e-9)  # rows
    np.testing.assert_allclose(chi[:, 0].real, t.dims, atol=1e-9)
    np.testing.assert_allclose(chi[0], 1, atol=1e-9)
    for c, members in enumerate(t.classes):  # columns: Σ_i |χ_i(g)|² = |centraliser(g)|
        np.testing.assert_allclose((abs(t.values[:, c]) ** 2).sum(), group.order / len(members), atol=1e-9)


def test_d3_character_table_exact():
    t = character_table(get_group("S3"))
    assert t.names == ["trivial", "1_1", "2_1"] and t.dims == [1, 1, 2]
    assert character_table(get_group("D3"), names=["trivial", "sign", "standard"]).names[1] == "sign"
    assert t.classes == [[0], [1, 2], [3, 4, 5]]  # {e}, rotations, reflections
    np.testing.assert_allclose(t.values, [[1, 1, 1], [1, 1, -1], [2, -1, 0]], atol=1e-12)


@pytest.mark.parametrize("name", ["C4xC4", "D1xD1", "D4xD4", "D3xC2"])
def test_product_characters_agree_with_burnside(name):
    group = get_group(name)
    t = character_table(group)
    values, dims = _burnside(group, t.classes, seed=1)

    def rows(v):
        return sorted(tuple(np.round(np.r_[r.real, r.imag], 6)) for r in v)

    assert rows(values) == rows(t.values) and sorted(dims) == sorted(t.dims)
    a, b = group.factor_groups
    ta, tb = character_table(a), character_table(b)
    chi = t.per_element()
    for i, (na, nb) in enumerate((x, y) for x in ta.names for y in tb.names):
        assert t.names[i] == ("trivial" if i == 0 else f"({na}, {nb})")
        expect = ta.per_element()[ta.names.index(na)][group.factors[:, 0]]
        expect = expect * tb.per_element()[tb.names.index(nb)][group.factors[:, 1]]
        np.testing.assert_allclose(chi[i], expect, atol=1e-12)


@pytest.mark.parametrize("n", [2, 4, 16])
def test_cyclic_character_names_follow_roots_of_unity(n):
    t = character_table(get_group(f"C{n}"))
    assert t.names == ["trivial"] + [f"k={k}" for k in range(1, n)]
    chi = t.per_element()
    j, k = np.meshgrid(np.arange(n), np.arange(n))
    np.testing.assert_allclose(chi, np.exp(2j * np.pi * j * k / n), atol=1e-9)


# ---------------------------------------------------------------- multiplicities


@pytest.mark.parametrize("name", GROUPS)
def test_regular_representation_contains_each_irrep_dim_times(name):
    group = get_group(name)
    t = character_table(group)
    mult = irrep_multiplicities(group, regular_representation(group), t)
    assert list(mult) == t.names
    np.testing.assert_allclose(list(mult.values()), t.dims, atol=1e-9)


@given(
    st.sampled_from(["C2", "C4", "D3", "D4", "O", "D1xD1"]),
    st.integers(1, 3),
    st.integers(0, 9),
    st.integers(0, 1000),
)
@settings(max_examples=20, deadline=None)
def test_multiplicities_of_copies_and_padding(name, m, r, seed):
    group = get_group(name)
    r = r % group.order
    d = m * group.order + r
    q = random_orthogonal(d, seed)
    rho = q @ latent_representation(group, d, dtype=torch.float64) @ q.T
    t = character_table(group)
    mult = irrep_multiplicities(group, rho, t)
    expect = [m * dim + (r if name == "trivial" else 0) for name, dim in zip(t.names, t.dims)]
    np.testing.assert_allclose(list(mult.values()), expect, atol=1e-9)


def test_d3_from_learned_generators():
    """Exploratory MNIST setting: 5 regular copies of D3 (d = 30) → trivial 5, sign 5, standard 10."""
    group = get_group("D3")
    q = random_orthogonal(30, 0)
    rho = q @ latent_representation(group, 30, dtype=torch.float64) @ q.T
    gens = [rho[g] for g in group.generators]
    built = matrices_from_generators(group, gens)
    torch.testing.assert_close(built, rho)
    mult = irrep_multiplicities(group, built)
    assert mult == pytest.approx({"trivial": 5, "1_1": 5, "2_1": 10})
    assert group.words == [(), (0,), (0, 0), (1,), (0, 1), (1, 0)]  # e, r, r², s, r·s, s·r (= r²s)


def test_multiplicities_of_a_complex_representation():
    """χ_1 ⊕ χ_1 ⊕ χ_2 of C4 (r ↦ i, i, -1): the complex conjugate χ_3 must not be counted."""
    rho = torch.stack([torch.diag(torch.tensor([1j, 1j, -1.0]) ** k) for k in range(4)])
    mult = irrep_multiplicities(get_group("C4"), rho)
    assert mult == pytest.approx({"trivial": 0, "k=1": 2, "k=2": 1, "k=3": 0})


@pytest.mark.parametrize("name", ["C4", "D3", "D4", "D4xD4", "O"])
def test_matrices_from_generators_reproduce_the_representation(name):
    group = get_group(name)
    p = regular_representation(group)
    torch.testing.assert_close(matrices_from_generators(group, [p[g] for g in group.generators]), p)


# ---------------------------------------------------------------- algebra loss


@pytest.mark.parametrize("name", GROUPS)
def test_algebra_loss_zero_for_representations_positive_for_random(name):
    group = get_group(name)
    for rho in (
        regular_representation(group),
        latent_representation(group, group.order + 3),
        *([defining_representation(group)] if group.factor_groups is None else []),
    ):
        assert algebra_loss(group, [rho[g] for g in group.generators]) < 1e-10
    gen = torch.Generator().manual_seed(0)
    d = group.order + 3
    random = [torch.randn(d, d, generator=gen) for _ in group.generators]  # N(0, 1) as in the papers' init
    assert algebra_loss(group, random) > 1.0
    # spectral radius about 1: the per-entry loss is of order 1/d, still far above a representation's
    assert algebra_loss(group, [w / math.sqrt(d) for w in random]) > 1e-3


def test_algebra_loss_catches_a_broken_relation():
    """r³ = s² = I hold but (s r)² ≠ I: a pair of matrices that is not a representation of D3."""
    group = get_group("D3")
    p = regular_representation(get_group("C3"))[1]  # order 3
    s = torch.diag(torch.tensor([-1.0, 1.0, 1.0]))  # order 2, but s p s ≠ p⁻¹
    res = relation_residuals(group, [p, s])
    assert res[0] == 0 and res[1] == 0 and res[2] > 0.1
    assert algebra_loss(group, [p, s]) == pytest.approx(res.mean().item())
    with pytest.raises(ValueError):
        algebra_loss(group, [p])


def test_relation_residuals_are_differentiable():
    group = get_group("C4")
    w = torch.randn(5, 5, requires_grad=True)
    relation_residuals(group, [w]).sum().backward()
    assert w.grad is not None and w.grad.abs().sum() > 0


# ---------------------------------------------------------------- equivariance error


def test_equivariance_error():
    group = get_group("D4")
    act = functools.partial(act_2d, group)
    x = torch.rand(5, 2, 8, 8)
    assert equivariance_error(torch.tanh, x, group, act, act) < 1e-7  # pointwise maps are equivariant
    mask = torch.rand(8, 8, generator=torch.Generator().manual_seed(1))
    assert equivariance_error(lambda v: v * mask, x, group, act, act) > 0.05
    # invariant output: the total intensity; error is zero with act_out None
    assert equivariance_error(lambda v: v.sum((-2, -1)), x, group, act) < 1e-7
    # f = id with act_out = -act_in on g ≠ e: relative error exactly 2 on 7 of the 8 elements
    err = equivariance_error(lambda v: v, x, group, act, lambda g, v: act(g, v) - 2 * (g != 0) * act(g, v))
    assert err == pytest.approx(2 * 7 / 8)
    # relative errors are per sample, then averaged: samples of very different norms
    u = torch.rand(2, 8, 8, generator=torch.Generator().manual_seed(2))
    xs = torch.stack([x[0], 100 * x[1]])
    per_sample = [[((u - act(g, u)).norm() / (xs[b] + u).norm()).item() for b in range(2)] for g in range(8)]
    assert equivariance_error(lambda v: v + u, xs, group, act, act) == pytest.approx(np.mean(per_sample))
    # latent: rot90 images → C4 regular representation by a hand-built equivariant map
    c4 = get_group("C4")
    p = regular_representation(c4)

    def f(v):  # the mean of each quarter-turned copy: an equivariant map into the regular representation
        return torch.stack([rot90(-k, v)[..., :2, :].mean((-3, -2, -1)) for k in range(4)], -1)

    act_out = lambda g, z: z @ p[g].T  # noqa: E731
    assert equivariance_error(f, x, c4, functools.partial(act_2d, c4), act_out) < 1e-6
    assert equivariance_error(f, x, c4, functools.partial(act_2d, c4), lambda g, z: z @ p[g]) > 0.01


@pytest.mark.parametrize("name", ["C2", "D3", "C4"])
def test_residuals_and_words_stay_on_the_generators_device(name):
    """Regression guard for the CUDA crash of every latent training step: the identity was built on the CPU."""
    from device_guard import one_device

    group = get_group(name)
    gens = [torch.randn(6, 6, device="meta", requires_grad=True) for _ in group.generators]
    with one_device():
        residuals = relation_residuals(group, gens)
        words = matrices_from_generators(group, gens)
    assert residuals.device.type == "meta" and words.device.type == "meta"


def test_the_guard_catches_a_tensor_left_on_the_cpu():
    from device_guard import MixedDevicesError, one_device

    with one_device(), pytest.raises(MixedDevicesError):
        torch.eye(3) @ torch.randn(3, 3, device="meta")
