"""Finite groups chosen by name: cyclic, dihedral, direct products, rotations of the cube.

Conventions (every group):
* elements are the integers 0..n-1, 0 is the identity, ``table[i, j]`` is the index of g_i·g_j;
* a presentation is ``generators`` (element indices) and ``relations``; a relation is a word
  ``((p1, e1), (p2, e2), ...)`` meaning gen[p1]^e1 · gen[p2]^e2 ··· = identity, exponents ≥ 1
  (inverses are written as positive powers);
* ``words[i]`` is the generator word (tuple of generator positions) used to build element i
  from generator matrices: the first shortest word found by breadth-first search that appends
  generators on the right, in generator order (g = gen[w0]·gen[w1]···).

Families:
* ``C<n>``: index k = r^k, the rotation by 360·k/n degrees counter-clockwise as seen on screen.
  Presentation <r | r^n> (no generator for C1).
* ``D<n>``: index k = r^k (0 ≤ k < n), index n + k = r^k·s ("first s, then r^k"), where s is the
  mirror about the vertical axis, x ↦ -x (an image's left-right flip).
  Presentation <r, s | r^n, s^2, (s r)^2> (D1: <s | s^2>).
* ``AxB``: index i·|B| + j is the pair (a_i, b_j), ``factors[g] = (i, j)``. Presentation: the
  generators of A then those of B, their relations, and a·b·a^(o_a-1)·b^(o_b-1) for each pair.
* ``O`` (cube, S4): the 24 rotations of the cube in the order of the axis-angle list of
  ``_cube_matrices``; ``matrices[g]`` acts on the coordinates (x, y, z) of the array axes
  (W, H, D), as in ``torch.nn.functional.affine_grid``. Presentation <a, b | a^4, b^3, (a b)^2>
  with a = 90° about x, b = 120° about (1, 1, 1).

Geometric data: ``matrices`` is the defining representation (2x2 in screen coordinates x right,
y up, for C<n>/D<n>; 3x3 integer for O); ``n_rot``, ``rotation_k`` and ``reflect`` describe
C<n>/D<n> elements as "reflect (if True), then rotate by 360·rotation_k/n_rot degrees".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

Word = tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class FiniteGroup:
    name: str
    element_names: list[str]
    table: np.ndarray
    generators: list[int]
    relations: list[Word]
    matrices: np.ndarray | None = None
    n_rot: int | None = None
    rotation_k: np.ndarray | None = None
    reflect: np.ndarray | None = None
    factor_groups: tuple[FiniteGroup, FiniteGroup] | None = None
    factors: np.ndarray | None = None
    inverses: np.ndarray = field(init=False, repr=False)
    words: list[tuple[int, ...]] = field(init=False, repr=False)

    def __post_init__(self):
        n = len(self.element_names)
        table = np.asarray(self.table, dtype=np.int64)
        ar = np.arange(n)
        if table.shape != (n, n) or not (table[0] == ar).all() or not (table[:, 0] == ar).all():
            raise ValueError(f"{self.name}: table must be {n}x{n} with identity at index 0")
        if not ((np.sort(table, 0) == ar[:, None]).all() and (np.sort(table, 1) == ar).all()):
            raise ValueError(f"{self.name}: table is not a Latin square")
        table.flags.writeable = False
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "inverses", np.argmin(table, axis=1))
        object.__setattr__(self, "words", self._bfs_words())
        for rel in self.relations:
            if self.evaluate(rel) != 0:
                raise ValueError(f"{self.name}: relation {rel} does not hold")

    @property
    def order(self) -> int:
        return len(self.element_names)

    @property
    def identity(self) -> int:
        return 0

    def mul(self, i: int, j: int) -> int:
        return int(self.table[i, j])

    def inverse(self, i: int) -> int:
        return int(self.inverses[i])

    def power(self, i: int, e: int) -> int:
        out = 0
        for _ in range(e):
            out = self.mul(out, i)
        return out

    def element_order(self, i: int) -> int:
        k, g = 1, i
        while g != 0:
            g, k = self.mul(g, i), k + 1
        return k

    def evaluate(self, word: Word) -> int:
        """Element index of a relation-style word ((position, exponent), ...)."""
        out = 0
        for p, e in word:
            out = self.mul(out, self.power(self.generators[p], e))
        return out

    def conjugacy_classes(self) -> list[list[int]]:
        """Classes as sorted index lists, ordered by smallest element (identity class first)."""
        seen, classes = set(), []
        for g in range(self.order):
            if g not in seen:
                cls = sorted({self.mul(self.mul(h, g), self.inverse(h)) for h in range(self.order)})
                seen.update(cls)
                classes.append(cls)
        return classes

    def _bfs_words(self) -> list[tuple[int, ...]]:
        words = {0: ()}
        frontier = [0]
        while frontier:
            nxt = []
            for g in frontier:
                for p, gen in enumerate(self.generators):
                    h = self.mul(g, gen)
                    if h not in words:
                        words[h] = words[g] + (p,)
                        nxt.append(h)
            frontier = nxt
        if len(words) != self.order:
            raise ValueError(f"{self.name}: generators {self.generators} do not generate the group")
        return [words[g] for g in range(self.order)]


def cyclic(n: int) -> FiniteGroup:
    k = np.arange(n)
    names = ["e", "r"] + [f"r^{i}" for i in range(2, n)]
    ang = 2 * np.pi * k / n
    return FiniteGroup(
        name=f"C{n}",
        element_names=names[:n],
        table=(k[:, None] + k[None, :]) % n,
        generators=[1] if n > 1 else [],
        relations=[((0, n),)] if n > 1 else [],
        matrices=np.stack([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]).transpose(2, 0, 1),
        n_rot=n,
        rotation_k=k,
        reflect=np.zeros(n, dtype=bool),
    )


def dihedral(n: int) -> FiniteGroup:
    idx = np.arange(2 * n)
    k, b = idx % n, idx // n
    # (r^a s^b)(r^c s^d) = r^(a + (-1)^b c) s^(b + d)
    prod_k = (k[:, None] + (1 - 2 * b[:, None]) * k[None, :]) % n
    prod_b = (b[:, None] + b[None, :]) % 2
    rot = ["e", "r"] + [f"r^{i}" for i in range(2, n)]
    names = rot[:n] + ["s"] + [f"{r} s" for r in rot[1:n]]
    ang = 2 * np.pi * k / n
    rmat = np.stack([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]).transpose(2, 0, 1)
    smat = np.array([[[1.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]]])[b]
    if n == 1:
        gens, rels = [1], [((0, 2),)]
    else:
        gens, rels = [1, n], [((0, n),), ((1, 2),), ((1, 1), (0, 1), (1, 1), (0, 1))]
    return FiniteGroup(
        name=f"D{n}",
        element_names=names,
        table=prod_k + n * prod_b,
        generators=gens,
        relations=rels,
        matrices=rmat @ smat,
        n_rot=n,
        rotation_k=k,
        reflect=b.astype(bool),
    )


def direct_product(a: FiniteGroup, b: FiniteGroup) -> FiniteGroup:
    na, nb = a.order, b.order
    ia, ib = np.divmod(np.arange(na * nb), nb)
    table = a.table[ia[:, None], ia[None, :]] * nb + b.table[ib[:, None], ib[None, :]]
    pa = len(a.generators)
    rels = list(a.relations) + [tuple((p + pa, e) for p, e in r) for r in b.relations]
    for p, ga in enumerate(a.generators):
        for q, gb in enumerate(b.generators):
            oa, ob = a.element_order(ga), b.element_order(gb)
            rels.append(((p, 1), (q + pa, 1), (p, oa - 1), (q + pa, ob - 1)))
    return FiniteGroup(
        name=f"{a.name}x{b.name}",
        element_names=[f"({a.element_names[i]}, {b.element_names[j]})" for i, j in zip(ia, ib)],
        table=table,
        generators=[g * nb for g in a.generators] + list(b.generators),
        relations=rels,
        factor_groups=(a, b),
        factors=np.stack([ia, ib], axis=1),
    )


def _axis_angle(axis, degrees) -> np.ndarray:
    """Right-handed rotation matrix about ``axis`` by ``degrees`` (Rodrigues), rounded to integers."""
    u = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    t = np.deg2rad(degrees)
    cross = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    r = np.cos(t) * np.eye(3) + np.sin(t) * cross + (1 - np.cos(t)) * np.outer(u, u)
    return np.rint(r).astype(np.int64)


# (axis, angles) in the order of the released code's list; angle 0 (identity) comes first.
_CUBE_AXES = (
    [((1, 0, 0), (90, 180, 270)), ((0, 1, 0), (90, 180, 270)), ((0, 0, 1), (90, 180, 270))]
    + [(d, (120, 240)) for d in ((1, 1, 1), (1, 1, -1), (1, -1, 1), (-1, 1, 1))]
    + [(f, (180,)) for f in ((1, 0, 1), (1, 0, -1), (0, 1, 1), (0, 1, -1), (1, 1, 0), (1, -1, 0))]
)


def _cube_matrices() -> tuple[list[str], np.ndarray]:
    names, mats = ["e"], [np.eye(3, dtype=np.int64)]
    for axis, angles in _CUBE_AXES:
        for deg in angles:
            r = _axis_angle(axis, deg)
            if not any((r == m).all() for m in mats):
                label = "xyz"[axis.index(1)] if sum(map(abs, axis)) == 1 else str(axis).replace(" ", "")
                names.append(f"{label}{deg}")
                mats.append(r)
    return names, np.stack(mats)


def cube() -> FiniteGroup:
    names, mats = _cube_matrices()
    key = {m.tobytes(): i for i, m in enumerate(mats)}
    if len(mats) != 24:
        raise ValueError(f"expected 24 cube rotations, got {len(mats)}")
    try:
        table = np.array([[key[(a @ b).tobytes()] for b in mats] for a in mats])
    except KeyError as err:
        raise ValueError("cube rotations are not closed under multiplication") from err
    a, b = names.index("x90"), names.index("(1,1,1)120")
    return FiniteGroup(
        name="O",
        element_names=names,
        table=table,
        generators=[a, b],
        relations=[((0, 4),), ((1, 3),), ((0, 1), (1, 1), (0, 1), (1, 1))],
        matrices=mats,
    )


ACCEPTED = ("C<n> or Z<n> (n >= 1, e.g. C2, Z2, C4, C8, C16), D<n> (n >= 1, e.g. D1, D3, D4), "
            "S3 (= D3), O / cube / S4 (24 rotations of the cube), and products AxB of these "
            "(e.g. C4xC4, D1xD1, D4xD4)")


@functools.cache
def get_group(name: str) -> FiniteGroup:
    """The group called ``name``; aliases resolve to the canonical name (Z2 -> C2, S3 -> D3, S4 -> O)."""
    for sep in ("x", "×"):
        if sep in name:
            left, right = name.split(sep, 1)
            return direct_product(get_group(left), get_group(right))
    if name in ("O", "cube", "S4"):
        return cube()
    if name == "S3":
        return dihedral(3)
    m = re.fullmatch(r"([CZD])([1-9]\d*)", name)
    if m is None:
        raise ValueError(f"unknown group {name!r}; accepted: {ACCEPTED}")
    n = int(m.group(2))
    return dihedral(n) if m.group(1) == "D" else cyclic(n)
