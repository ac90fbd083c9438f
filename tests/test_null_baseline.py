"""Per-relation residuals and the null baseline that decides when learned matrices are read as a representation."""

import numpy as np
import pytest

from symrep.groups import get_group
from symrep.null_baseline import (
    analyse_counts,
    null_baseline,
    overall_residual,
    random_orthogonal,
    random_representation,
    real_irreps,
    regular_counts,
    relative_residuals,
)
from symrep.representations import latent_representation


@pytest.mark.parametrize("name", ["C2", "C4", "C5", "D1", "D3", "D4"])
def test_real_irreps_are_all_the_representations_of_the_presentation(name):
    group = get_group(name)
    irreps = real_irreps(group)
    for irrep in irreps:
        assert overall_residual(relative_residuals(group, irrep)) < 1e-12
    dims = [irrep[0].shape[0] for irrep in irreps]
    if group.reflect.any():  # D<n>: real irreducibles are absolutely irreducible, Σ d² = |G|
        assert sum(d * d for d in dims) == group.order
    else:  # C<n>: a 2-dim real irreducible is a pair of complex characters
        assert sum(dims) == group.order


def test_each_relation_is_reported_on_its_own():
    group = get_group("D3")
    rho = latent_representation(group, 30).double().numpy()
    r, s = rho[group.generators[0]], rho[group.generators[1]]
    assert relative_residuals(group, [r, s]) == pytest.approx({"r^3": 0, "s^2": 0, "srsr": 0}, abs=1e-12)
    half = relative_residuals(group, [r, 0.5 * s])  # s² = I/4: ‖I/4 − I‖ / ‖I‖ = 3/4
    assert half["r^3"] == pytest.approx(0, abs=1e-12) and half["s^2"] == pytest.approx(0.75)
    assert half["srsr"] == pytest.approx(0.75)


def test_random_orthogonal_matrices_are_far_from_a_representation_and_look_regular():
    """The audit's observation: counts near the regular multiple from matrices that are no representation."""
    rng = np.random.default_rng(0)
    for name, dim in (("C2", 42), ("D3", 30)):
        group = get_group(name)
        regular = regular_counts(group, dim, eigen=False)
        for _ in range(5):
            q = random_orthogonal(dim, len(group.generators), rng)
            assert 1.2 < overall_residual(relative_residuals(group, q)) < 1.6
            counts = analyse_counts(group, q, eigen=False)
            assert max(abs(counts[k] - regular[k]) for k in regular) < 2.5


def test_a_random_representation_is_exact_and_usually_not_regular():
    group, rng = get_group("D3"), np.random.default_rng(1)
    reps = [random_representation(group, 30, rng) for _ in range(20)]
    assert all(overall_residual(relative_residuals(group, rep)) < 1e-10 for rep in reps)
    counts = [analyse_counts(group, rep, eigen=False) for rep in reps]
    assert all(abs(c["trivial"] - round(c["trivial"])) < 1e-9 for c in counts)
    assert sum(c != regular_counts(group, 30, eigen=False) for c in counts) >= 15


@pytest.mark.parametrize(("name", "dim", "eigen"), [("C2", 42, True), ("D3", 30, False), ("C4", 64, True)])
def test_null_threshold_separates_exact_from_structureless(name, dim, eigen):
    null = null_baseline(get_group(name), dim, eigen, draws=600)
    assert 0.3 <= null.threshold <= 1.2
    assert null.interpretable(0.05) and not null.interpretable(1.41)  # random orthogonal matrices: √2
    small = null.residuals < null.threshold
    assert (null.distances[small] > 1).mean() > 0.9  # below it, the null is not the regular multiple
