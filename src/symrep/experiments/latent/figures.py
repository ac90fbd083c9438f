"""Figures 3-5 of the main paper (§4, appendix B.1): a learned representation in the basis that
block-diagonalises it, the eigenvalues of the learned D3 rotation over training, and TMNIST pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from matplotlib.colors import LogNorm

from symrep.analysis import character_table, matrices_from_generators
from symrep.experiments.latent.data import TMNISTPairs
from symrep.experiments.latent.glyphs import load_glyphs
from symrep.experiments.latent.task import SPECS
from symrep.groups import FiniteGroup, get_group
from symrep.report.figures import plt, save_figure, sns
from symrep.representations import latent_representation

TITLES = {
    "tmnist_z2": "TMNIST, Z2 (W)",
    "mnist_d3": "MNIST, D3 (rotation W_r)",
    "cifar10_c4": "CIFAR-10, C4 (W)",
}


def isotypic_basis(group: FiniteGroup, rho_all, names=None) -> tuple[np.ndarray, list[str]]:
    """Orthonormal columns spanning each isotypic component of the (approximate) representation
    `rho_all` (|G|, d, d), grouped by irrep, with the irrep's name (`names`, else the analysis') per
    column. Component i is the range of the projector (dim_i/|G|) Σ_g conj(χ_i(g)) ρ(g), of rank
    round(trace)."""
    table = character_table(group, names=names)
    rho = np.asarray(torch.as_tensor(rho_all).detach().cpu(), dtype=complex)
    columns, labels = [], []
    for name, dim, chi in zip(table.names, table.dims, table.per_element()):
        projector = dim / group.order * np.einsum("g,gij->ij", chi.conj(), rho)
        rank = int(round(np.trace(projector).real))
        if rank > 0:
            columns.append(np.linalg.svd(projector)[0][:, :rank])
            labels += [name] * rank
    return np.concatenate(columns, axis=1), labels


def _in_basis(group: FiniteGroup, rho_all, element: int, names) -> tuple[np.ndarray, list[str]]:
    basis, labels = isotypic_basis(group, rho_all, names)
    return np.abs(np.linalg.pinv(basis) @ np.asarray(rho_all[element], dtype=complex) @ basis), labels


def off_block_share(values: np.ndarray, labels: list[str]) -> float:
    """‖entries outside the isotypic blocks‖_F / ‖all entries‖_F (0 for an exact representation)."""
    inside = np.equal.outer(np.array(labels), np.array(labels))
    return float(np.linalg.norm(values[~inside]) / np.linalg.norm(values))


def _boundaries(ax, labels: list[str]) -> None:
    """Red lines between isotypic blocks (heatmap cells span [i, i + 1])."""
    for i in [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]:
        ax.axhline(i, color="tab:red", lw=0.6)
        ax.axvline(i, color="tab:red", lw=0.6)


def figure3(rows: list[tuple[str, str]], weights: list[str | Path], png: str | Path, pdf: str | Path) -> None:
    """Per (run, variant) row: the learned generator, |its matrix| in the isotypic basis of the learned
    representation, and the same for the regular-representation multiple of that dimension."""
    fig, axes = plt.subplots(len(rows), 3, figsize=(12, 3.4 * len(rows)), squeeze=False, layout="constrained")
    for row, (run, variant), path in zip(axes, rows, weights):
        spec = SPECS[run]
        group = get_group(spec.group)
        gens = [g.double() for g in torch.load(path, map_location="cpu", weights_only=True)["generators"]]
        learned = matrices_from_generators(group, gens)
        element = group.generators[0]
        regular = latent_representation(group, gens[0].shape[0], dtype=torch.float64)
        w = gens[0].numpy()
        sns.heatmap(w, ax=row[0], cmap="RdBu_r", center=0, square=True, cbar_kws={"shrink": 0.8})
        row[0].set_title(f"{TITLES[run]}, {variant}: learned", fontsize=9)
        for ax, rho, what in ((row[1], learned, "learned"), (row[2], regular, "regular multiple")):
            values, labels = _in_basis(group, rho, element, spec.irrep_names)
            sns.heatmap(
                np.maximum(values, 1e-3),
                ax=ax,
                cmap="Greys",
                norm=LogNorm(1e-3, max(1.0, values.max())),
                square=True,
                cbar_kws={"shrink": 0.8},
            )
            _boundaries(ax, labels)
            ax.set_title(f"|{what}| in isotypic basis (log scale)", fontsize=9)
            ax.set_xlabel(
                " | ".join(f"{n}×{labels.count(n)}" for n in dict.fromkeys(labels))
                + f"\noff-block share of the Frobenius norm: {off_block_share(values, labels):.3f}",
                fontsize=8,
            )
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(
        "Figure 3: learned latent representations (first seed); red lines separate isotypic components"
    )
    save_figure(fig, png, pdf)


def figure4(
    variants: list[str],
    eigenvalue_files: list[str | Path],
    weights: list[str | Path],
    png: str | Path,
    pdf: str | Path,
) -> None:
    """Eigenvalues of the learned D3 rotation matrix during training (colour = step): one row per variant,
    one panel per seed (files variant-major)."""
    seeds = len(eigenvalue_files) // len(variants)
    fig, axes = plt.subplots(
        len(variants), seeds, figsize=(3.6 * seeds, 3.8 * len(variants)), squeeze=False, layout="constrained"
    )
    roots = np.exp(2j * np.pi * np.arange(3) / 3)
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    for ax, trace_file, weight_file in zip(axes.flat, eigenvalue_files, weights):
        trace = pd.read_csv(trace_file)
        final = np.linalg.eigvals(
            torch.load(weight_file, map_location="cpu", weights_only=True)["generators"][0].double().numpy()
        )
        points = ax.scatter(trace["real"], trace["imag"], c=trace["step"], s=4, cmap="viridis")
        ax.plot(circle.real, circle.imag, color="grey", lw=0.5)
        ax.scatter(final.real, final.imag, marker="x", color="black", s=25, label="selected model")
        ax.scatter(
            roots.real,
            roots.imag,
            marker="o",
            facecolors="none",
            edgecolors="tab:red",
            s=120,
            label="cube roots of 1",
        )
        run_dir = Path(trace_file).parent
        ax.set_title(f"{run_dir.parent.parent.name}, {run_dir.name}", fontsize=9)
        ax.set_aspect("equal")
        ax.set_xlim(-2, 2)
        ax.set_ylim(-2, 2)
        fig.colorbar(points, ax=ax, shrink=0.7, label="training step")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Figure 4: eigenvalues of the learned D3 rotation matrix W_r during training (MNIST)")
    save_figure(fig, png, pdf)


def figure5(
    glyph_file: str | Path, settings: dict, png: str | Path, pdf: str | Path, pairs: int = 8, seed: int = 0
) -> None:
    """The base glyphs of the two fonts, and augmented pairs (x1, x2 = font swap of x1)."""
    glyphs, fonts = load_glyphs(glyph_file)
    source = TMNISTPairs(
        torch.as_tensor(glyphs),
        pairs,
        settings["digits"],
        settings["max_rotation"],
        tuple(settings["scale_range"]),
    )
    batch = source.make(source.plan(torch.Generator().manual_seed(seed)))
    fig, axes = plt.subplots(4, 10, figsize=(10, 4.4))
    for col in range(10):
        for row in range(2):
            axes[row, col].imshow(glyphs[row, col], cmap="gray")
        for row, key in ((2, "x1"), (3, "x2")):
            if col < pairs:
                axes[row, col].imshow(batch[key][col, 0].numpy(), cmap="gray", vmin=0, vmax=1)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[:].set_visible(False)
    for row, label in enumerate([*(f.split("-")[0] for f in fonts), "x1", "x2 = s·x1"]):
        axes[row, 0].set_ylabel(label, fontsize=8)
    fig.suptitle("Figure 5: TMNIST glyphs of the two fonts (rows 1-2) and augmented pairs; s swaps the font")
    save_figure(fig, png, pdf)
