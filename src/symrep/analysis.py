"""Analysis of learned representations: irreducible content and algebra loss.

Irreducible characters come from Burnside's method for any group (the common eigenvectors of the
class-multiplication matrices), and for direct products from the factors' characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from symrep.groups import FiniteGroup


def cyclic_eigen_counts(w, n: int) -> list[int]:
    """Counts of the eigenvalues of ``w`` nearest to each n-th root of unity exp(2πik/n), k = 0..n-1
    (n = 4: counts at 1, i, -1, -i)."""
    eig = np.linalg.eigvals(np.asarray(torch.as_tensor(w).detach().cpu(), dtype=np.float64))
    k = np.rint(np.angle(eig) * n / (2 * np.pi)).astype(int) % n
    return np.bincount(k, minlength=n).tolist()


@dataclass(frozen=True)
class CharacterTable:
    names: list[str]
    dims: list[int]
    classes: list[list[int]]  # as group.conjugacy_classes()
    values: np.ndarray  # complex (irreps, classes)

    def per_element(self) -> np.ndarray:
        """Character values (irreps, |G|) on every element."""
        out = np.empty((len(self.names), sum(map(len, self.classes))), dtype=complex)
        for c, members in enumerate(self.classes):
            out[:, members] = self.values[:, [c]]
        return out


def character_table(group: FiniteGroup, seed: int = 0, names: Sequence[str] | None = None) -> CharacterTable:
    """Irreducible characters, "trivial" first. Names: C<n>: "k=<k>" with χ(r) = exp(2πik/n);
    AxB: "(<A irrep>, <B irrep>)" (products of the factors' characters); otherwise "<dim>_<i>" (i-th
    irrep of that dimension, ordered by character values, e.g. D3: "trivial", "1_1" (sign), "2_1");
    `names` replaces them, in that order."""
    classes = group.conjugacy_classes()
    if group.factor_groups is not None:
        table = _product_table(group, classes)
    else:
        values, dims = _burnside(group, classes, seed)
        default, order = _name_irreps(group, values, dims)
        table = CharacterTable(default, dims[order].tolist(), classes, values[order])
    if names is not None and len(names) != len(table.names):
        raise ValueError(f"{group.name} has {len(table.names)} irreducible representations, not {len(names)}")
    return table if names is None else replace(table, names=list(names))


def _burnside(group: FiniteGroup, classes, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Characters on classes and dimensions, unordered: the central characters ω(K_l) =
    |C_l| χ(g_l) / χ(1) are the common eigenvectors of the class-multiplication matrices M_j."""
    sizes = np.array([len(c) for c in classes])
    cls_of = np.empty(group.order, dtype=int)
    for c, members in enumerate(classes):
        cls_of[members] = c
    r = len(classes)
    m = np.zeros((r, r, r))  # M[j, k, l] = #{x in C_j : x⁻¹ z_l in C_k} for a fixed z_l in C_l
    for j, cj in enumerate(classes):
        for k, ck in enumerate(classes):
            m[j, :, k] = np.bincount(cls_of[group.table[group.inverses[cj], ck[0]]], minlength=r)
    rng = np.random.default_rng(seed)
    for _ in range(10):  # a random combination separates the common eigenvectors almost surely
        eigval, vec = np.linalg.eig(np.tensordot(rng.normal(size=r), m, 1))
        if (np.abs(eigval[:, None] - eigval[None, :]) + np.eye(r)).min() > 1e-6:
            break
    else:
        raise RuntimeError(f"could not separate the irreducible characters of {group.name}")
    w = (vec / vec[0]).T
    dims = np.sqrt(group.order / (np.abs(w) ** 2 / sizes).sum(1))
    return dims[:, None] * w / sizes, np.rint(dims).astype(int)


def _name_irreps(group: FiniteGroup, values, dims) -> tuple[list[str], list[int]]:
    if group.n_rot is not None and not group.reflect.any() and group.order > 1:
        ks = np.rint(np.angle(values[:, 1]) * group.order / (2 * np.pi)).astype(int) % group.order
        order = np.argsort(ks).tolist()  # class 1 of C<n> is {r}
        return ["trivial"] + [f"k={k}" for k in ks[order][1:]], order
    order = sorted(range(len(dims)), key=lambda i: (dims[i], *(-np.round(values[i].real, 6))))
    count: dict[int, int] = {}
    names = ["trivial"]
    for i in order[1:]:
        count[dims[i]] = count.get(dims[i], 0) + 1
        names.append(f"{dims[i]}_{count[dims[i]]}")
    return names, order


def _product_table(group: FiniteGroup, classes) -> CharacterTable:
    ta, tb = (character_table(f) for f in group.factor_groups)
    reps = group.factors[[c[0] for c in classes]]
    ea, eb = ta.per_element()[:, reps[:, 0]], tb.per_element()[:, reps[:, 1]]
    pairs = [(i, j) for i in range(len(ta.names)) for j in range(len(tb.names))]
    names = [f"({ta.names[i]}, {tb.names[j]})" for i, j in pairs]
    return CharacterTable(
        ["trivial"] + names[1:],
        [ta.dims[i] * tb.dims[j] for i, j in pairs],
        classes,
        np.array([ea[i] * eb[j] for i, j in pairs]),
    )


def irrep_multiplicities(
    group: FiniteGroup, rho_all, table: CharacterTable | None = None
) -> dict[str, float]:
    """Multiplicity of each irrep in rho, given the (real or complex) matrices rho_all (|G|, d, d) of
    all elements: Re (1/|G|) Σ_g χ_ρ(g) conj(χ_i(g))."""
    table = table or character_table(group)
    chi = np.asarray(torch.as_tensor(rho_all).detach().cpu(), dtype=complex).trace(axis1=1, axis2=2)
    mult = (table.per_element().conj() @ chi).real / group.order
    return dict(zip(table.names, mult.tolist()))


def _word_matrix(mats, word, eye):
    out = eye
    for p in word:
        out = out @ mats[p]
    return out


def matrices_from_generators(group: FiniteGroup, generator_matrices) -> torch.Tensor:
    """rho(g) for every g, as the product of generator matrices along ``group.words[g]``."""
    mats = [torch.as_tensor(m) for m in generator_matrices]
    eye = torch.eye(mats[0].shape[-1], dtype=mats[0].dtype, device=mats[0].device)
    return torch.stack([_word_matrix(mats, w, eye) for w in group.words])


def relation_residuals(group: FiniteGroup, generator_matrices) -> torch.Tensor:
    """Per relation, mean over entries of (word(rho) - I)² (differentiable)."""
    mats = [torch.as_tensor(m) for m in generator_matrices]
    if len(mats) != len(group.generators):
        raise ValueError(f"{group.name} has {len(group.generators)} generators, got {len(mats)} matrices")
    eye = torch.eye(mats[0].shape[-1], dtype=mats[0].dtype, device=mats[0].device)
    res = [
        ((_word_matrix(mats, [p for p, e in rel for _ in range(e)], eye) - eye) ** 2).mean()
        for rel in group.relations
    ]
    return torch.stack(res)


def algebra_loss(group: FiniteGroup, generator_matrices) -> float:
    """Mean over the presentation's relations of relation_residuals: 0 exactly for a representation."""
    return float(relation_residuals(group, generator_matrices).mean())
