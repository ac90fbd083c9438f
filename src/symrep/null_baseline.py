"""When is a learned latent action a representation worth reading? Per-relation residuals and a null baseline.

The irreducible analysis of §4 (eigenvalue counts, character multiplicities) always returns numbers, even
for matrices that are no representation at all: random orthogonal matrices give counts near the regular
multiple, because the traces of their words are about 0. The null baseline makes this measurable. Its
draws are *non-regular* representations of the group (random multiplicities of its real irreducible
representations, in a random orthonormal basis) deformed towards structureless matrices:
W_t = (1 − t) R + t Q with Q random orthogonal and t uniform in [0, 1]. At t = 0 the residual is 0 and
the counts are R's, far from the regular multiple; as t grows the residual grows and the counts drift to
it. The **threshold** is the smallest residual at which at least 5 % of the null draws come within ±1 of
the regular multiple: below it, a learned run whose counts are the regular multiple is unlikely (< 5 %)
to be a deformed non-regular representation; above it, such counts are what non-representations give
anyway, and a learned run's counts are not read.

Residuals are relative: per relation ‖word(W) − I‖_F / ‖I‖_F (1 = as far from I as the zero matrix), and
overall their root mean square over relations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symrep.analysis import (
    CharacterTable,
    character_table,
    cyclic_eigen_counts,
)
from symrep.groups import FiniteGroup
from symrep.representations import latent_representation


def relation_name(group: FiniteGroup, relation) -> str:
    """A relation as a word in the generators' names, e.g. "r^3", "s^2", "srsr" (each equal to e)."""
    names = [group.element_names[g] for g in group.generators]
    return "".join(names[p] + (f"^{e}" if e > 1 else "") for p, e in relation)


def relative_residuals(group: FiniteGroup, generators) -> dict[str, float]:
    """‖word(W) − I‖_F / ‖I‖_F for each relation of the presentation, named by `relation_name`."""
    gens = [np.asarray(g, dtype=np.float64) for g in generators]
    eye = np.eye(gens[0].shape[0])
    out = {}
    for relation in group.relations:
        word = eye
        for p, e in relation:
            for _ in range(e):
                word = word @ gens[p]
        out[relation_name(group, relation)] = float(np.linalg.norm(word - eye) / np.linalg.norm(eye))
    return out


def overall_residual(residuals: dict[str, float]) -> float:
    return float(np.sqrt(np.mean(np.square(list(residuals.values())))))


def _rotation(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def real_irreps(group: FiniteGroup) -> list[list[np.ndarray]]:
    """The real irreducible representations of C<n> (generator r) and D<n> (generators r, s; D1: s), each
    as its generator matrices."""
    n = group.n_rot
    if n is None:
        raise ValueError(f"real irreducible representations are built for C<n> and D<n>, not {group.name}")
    dihedral = bool(group.reflect.any())
    one = np.ones((1, 1))
    if dihedral and n == 1:
        return [[one], [-one]]
    irreps = [[one, one], [one, -one]] if dihedral else [[one]]
    if n % 2 == 0:
        irreps += [[-one, one], [-one, -one]] if dihedral else [[-one]]
    for k in range(1, (n + 1) // 2):
        rot = _rotation(2 * np.pi * k / n)
        irreps.append([rot, np.diag([1.0, -1.0])] if dihedral else [rot])
    return irreps


def regular_counts(group: FiniteGroup, dim: int, eigen: bool) -> dict[str, float]:
    """The counts the regular multiple the method fixes (m regular copies ⊕ trivial) would give."""
    rho = latent_representation(group, dim).double().numpy()
    return analyse_counts(group, [rho[g] for g in group.generators], eigen)


def analyse_counts(
    group: FiniteGroup, generators, eigen: bool, table: CharacterTable | None = None
) -> dict[str, float]:
    """Eigenvalue counts at the n-th roots of unity (cyclic groups, `eigen`) or character multiplicities."""
    gens = [np.asarray(g, dtype=np.float64) for g in generators]
    if eigen:
        return {str(k): float(c) for k, c in enumerate(cyclic_eigen_counts(gens[0], group.order))}
    table = table or character_table(group)
    chi = np.array([np.trace(_word(gens, word)) for word in group.words])
    mult = (table.per_element().conj() @ chi).real / group.order
    return dict(zip(table.names, mult.tolist()))


def _word(gens: list[np.ndarray], word) -> np.ndarray:
    out = np.eye(gens[0].shape[0])
    for p in word:
        out = out @ gens[p]
    return out


def random_representation(group: FiniteGroup, dim: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A representation of dimension `dim`: real irreducibles drawn at random until the dimension is
    filled, in a random orthonormal basis."""
    irreps, blocks, size = real_irreps(group), [], 0
    while size < dim:
        fitting = [r for r in irreps if r[0].shape[0] <= dim - size]
        block = fitting[rng.integers(len(fitting))]
        blocks.append(block)
        size += block[0].shape[0]
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    return [q @ _block_diag([b[i] for b in blocks]) @ q.T for i in range(len(irreps[0]))]


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    size = sum(b.shape[0] for b in blocks)
    out, at = np.zeros((size, size)), 0
    for b in blocks:
        k = b.shape[0]
        out[at : at + k, at : at + k] = b
        at += k
    return out


def random_orthogonal(dim: int, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """`n` independent random orthogonal matrices: no representation, relative residual about √2."""
    return [np.linalg.qr(rng.normal(size=(dim, dim)))[0] for _ in range(n)]


def count_distance(counts: dict[str, float], regular: dict[str, float]) -> float:
    return float(max(abs(counts[k] - regular[k]) for k in regular))


MIN_DRAWS = 20  # a residual bin counts towards the threshold only with this many draws


@dataclass(frozen=True)
class NullBaseline:
    residuals: np.ndarray  # overall relative residual of each null draw
    distances: np.ndarray  # its counts' largest distance from the regular multiple
    bins: np.ndarray  # residual bin edges
    near_regular: np.ndarray  # per bin: share of draws within ±1 of the regular multiple (NaN where empty)
    threshold: float  # smallest residual whose bin (≥ 20 draws) has ≥ 5 % within ±1 of the regular multiple

    def interpretable(self, residual: float) -> bool:
        return residual < self.threshold


def null_baseline(
    group: FiniteGroup, dim: int, eigen: bool, seed: int = 0, draws: int = 1000
) -> NullBaseline:
    """Non-regular representations deformed towards random orthogonal matrices (see the module): their
    residuals, the distance of their counts from the regular multiple, and the threshold. Eigenvalue
    counts (`eigen`, cyclic groups) or character multiplicities."""
    rng = np.random.default_rng(seed)
    table = None if eigen else character_table(group)
    regular = regular_counts(group, dim, eigen)
    residuals, distances = [], []
    while len(residuals) < draws:
        rep = random_representation(group, dim, rng)
        if count_distance(analyse_counts(group, rep, eigen, table), regular) < 2:
            continue  # the null is clearly non-regular: every count at least 2 away
        t = rng.uniform()
        deformed = [(1 - t) * w + t * q for w, q in zip(rep, random_orthogonal(dim, len(rep), rng))]
        residuals.append(overall_residual(relative_residuals(group, deformed)))
        distances.append(count_distance(analyse_counts(group, deformed, eigen, table), regular))
    residuals, distances = np.array(residuals), np.array(distances)
    bins = np.linspace(0, 2, 21)
    which = np.digitize(residuals, bins) - 1
    near = np.array(
        [(distances[which == i] <= 1).mean() if (which == i).any() else np.nan for i in range(20)]
    )
    enough = np.bincount(which, minlength=len(bins))[: len(bins) - 1] >= MIN_DRAWS
    reached = np.flatnonzero(enough & (near >= 0.05))
    threshold = float(bins[reached[0]]) if len(reached) else float(bins[-1])
    return NullBaseline(residuals, distances, bins, near, threshold)
