import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrep.groups import get_group

LISTED = ["C2", "Z2", "C4", "C8", "C16", "D1", "D3", "S3", "D4", "C4xC4", "D1xD1", "D4xD4", "O", "cube", "S4"]
ORDERS = {"C2": 2, "Z2": 2, "C4": 4, "C8": 8, "C16": 16, "D1": 2, "D3": 6, "S3": 6, "D4": 8,
          "C4xC4": 16, "D1xD1": 4, "D4xD4": 64, "O": 24, "cube": 24, "S4": 24}


def check_axioms(g):
    t, n = g.table, g.order
    ar = np.arange(n)
    assert t.shape == (n, n) and t.min() >= 0 and t.max() < n  # closure
    assert (t[t[:, :, None], ar[None, None, :]] == t[ar[:, None, None], t[None, :, :]]).all()  # (ab)c = a(bc)
    assert (t[0] == ar).all() and (t[:, 0] == ar).all() and g.identity == 0
    inv = np.array([g.inverse(i) for i in range(n)])
    assert (t[ar, inv] == 0).all() and (t[inv, ar] == 0).all()
    assert [g.mul(i, j) for i in range(n) for j in range(n)] == t.ravel().tolist()


def generated_subgroup(g):
    reached = {0}
    while True:
        new = {g.mul(a, b) for a in reached for b in g.generators} | reached
        if new == reached:
            return reached
        reached = new


def check_presentation(g):
    assert generated_subgroup(g) == set(range(g.order))
    for rel in g.relations:
        elem = 0
        for p, e in rel:
            assert e >= 1 and 0 <= p < len(g.generators)
            for _ in range(e):
                elem = g.table[elem, g.generators[p]]
        assert elem == 0, rel
    for i, word in enumerate(g.words):
        elem = 0
        for p in word:
            elem = g.table[elem, g.generators[p]]
        assert elem == i


@pytest.mark.parametrize("name", LISTED)
def test_listed_groups_axioms_and_presentation(name):
    g = get_group(name)
    assert g.order == ORDERS[name] == len(g.element_names) == len(set(g.element_names))
    check_axioms(g)
    check_presentation(g)


@given(st.sampled_from("CZD"), st.integers(1, 24))
@settings(max_examples=30, deadline=None)
def test_generic_cyclic_and_dihedral(family, n):
    g = get_group(f"{family}{n}")
    check_axioms(g)
    check_presentation(g)
    if family == "D":
        s = n  # index n is s; index n + k is r^k·s; s r s = r^-1
        assert g.order == 2 * n
        assert all(g.mul(k % n, s) == n + k % n for k in range(n))
        if n > 1:
            assert g.mul(g.mul(s, 1), s) == g.inverse(1)
    else:
        assert g.order == n and (g.table == g.table.T).all()
        assert all(g.mul(1 % n, k) == (k + 1) % n for k in range(n))


@given(st.sampled_from(["C2", "C3", "D1", "D3", "C4"]), st.sampled_from(["C2", "D2", "D4", "C4", "C2xC2"]))
@settings(max_examples=20, deadline=None)
def test_products(a_name, b_name):
    a, b = get_group(a_name), get_group(b_name)
    g = get_group(f"{a_name}x{b_name}")
    check_axioms(g)
    check_presentation(g)
    assert g.order == a.order * b.order
    assert g.factor_groups[0] is a and g.factor_groups[1] is b
    for idx, (i, j) in enumerate(g.factors):
        assert idx == i * b.order + j
    for x in range(g.order):
        for y in range(g.order):
            (i1, j1), (i2, j2) = g.factors[x], g.factors[y]
            assert g.mul(x, y) == a.mul(i1, i2) * b.order + b.mul(j1, j2)


def test_aliases_and_names():
    for alias, canon in [("Z2", "C2"), ("S3", "D3"), ("cube", "O"), ("S4", "O"), ("C4×C4", "C4xC4")]:
        assert get_group(alias).name == canon
        assert (get_group(alias).table == get_group(canon).table).all()
    assert get_group("D4").element_names == ["e", "r", "r^2", "r^3", "s", "r s", "r^2 s", "r^3 s"]


@pytest.mark.parametrize("bad", ["", "C0", "D0", "Q8", "C", "c4", "C4x", "xC4", "S5", "C-2", "D04"])
def test_unknown_names_raise(bad):
    with pytest.raises(ValueError, match="accepted"):
        get_group(bad)


def test_dihedral_geometry():
    g = get_group("D4")
    s = g.matrices[4]
    assert np.allclose(s, [[-1, 0], [0, 1]])  # mirror about the vertical axis: x -> -x
    assert np.allclose(g.matrices[1] @ [1, 0], [0, 1])  # r turns +x into +y: counter-clockwise
    assert g.reflect.tolist() == [False] * 4 + [True] * 4 and g.rotation_k.tolist() == [0, 1, 2, 3] * 2
    for i in range(8):
        for j in range(8):
            assert np.allclose(g.matrices[i] @ g.matrices[j], g.matrices[g.mul(i, j)])


def test_cube_group_from_axis_angle():
    g = get_group("O")
    m = g.matrices
    assert m.dtype.kind == "i" and m.shape == (24, 3, 3)
    assert len({r.tobytes() for r in m}) == 24
    assert all(np.array_equal(r @ r.T, np.eye(3)) and round(np.linalg.det(r)) == 1 for r in m)
    for i in range(24):
        for j in range(24):
            assert np.array_equal(m[i] @ m[j], m[g.mul(i, j)])
    names = g.element_names
    assert names[:10] == ["e", "x90", "x180", "x270", "y90", "y180", "y270", "z90", "z180", "z270"]
    assert names[10:12] == ["(1,1,1)120", "(1,1,1)240"] and names[-1] == "(1,-1,0)180"
    assert np.array_equal(m[names.index("x90")] @ [0, 1, 0], [0, 0, 1])  # right-handed about +x
    assert np.array_equal(m[names.index("z90")] @ [1, 0, 0], [0, 1, 0])
    assert np.array_equal(m[names.index("(1,1,1)120")] @ [1, 0, 0], [0, 1, 0])
    # isomorphic to S4: element orders 1, 2 (x9), 3 (x8), 4 (x6)
    orders = sorted(g.element_order(i) for i in range(24))
    assert orders == [1] + [2] * 9 + [3] * 8 + [4] * 6


def test_conjugacy_classes():
    assert [len(c) for c in get_group("D3").conjugacy_classes()] == [1, 2, 3]
    assert sorted(len(c) for c in get_group("O").conjugacy_classes()) == [1, 3, 6, 6, 8]
    assert len(get_group("C8").conjugacy_classes()) == 8
