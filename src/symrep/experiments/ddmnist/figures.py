"""Figure 6: DDMNIST two-digit images under each group, drawn with the training augmentation itself."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import torch

from symrep.experiments.ddmnist.pairs import MEAN, STD, PairAugmentation, compose, digit_noise
from symrep.report.figures import save_figure


def examples(
    digits: torch.Tensor, group: str, noise: str, n: int, rng: torch.Generator
) -> tuple[torch.Tensor, list[str]]:
    """The clean pair followed by `n` random product-group elements applied to it (with noise); their names."""
    augmentation = PairAugmentation(group, noise)
    g, theta = augmentation.sample(n, rng, torch.device("cpu"))
    pairs = digits.float().div(255).expand(n, -1, -1, -1)
    images = torch.cat([compose(digits[None].float() / 255), compose(augmentation.apply(g, pairs, theta))])
    names = [augmentation.product.element_names[int(i)] for i in g]
    return images[:, 0] * STD + MEAN, ["original", *names]


def figure6(
    dataset: str | Path,
    rows: list[tuple[str, str | None]],
    png: str | Path,
    pdf: str | Path,
    n: int = 5,
    label: int = 47,
    seed: int = 0,
) -> None:
    """Rows: (group, C4 noise) pairs; columns: the first training pair of class `label` as is, then under `n`
    random elements."""
    data = torch.load(dataset, weights_only=True)
    digits = data["train_digits"][int((data["train_labels"] == label).nonzero()[0, 0])]
    rng = torch.Generator().manual_seed(seed)
    fig, axes = plt.subplots(len(rows), n + 1, figsize=(1.6 * (n + 1), 1.75 * len(rows)), squeeze=False)
    for row, (group, c4_noise) in zip(axes, rows):
        noise = digit_noise(group, c4_noise)
        images, names = examples(digits, group, noise, n, rng)
        for ax, image, name in zip(row, images, names):
            ax.imshow(image.clamp(0, 1).numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(name, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"{group}x{group}\n({noise})", fontsize=7)
    fig.suptitle(f"Figure 6: DDMNIST class {label:02d} under independent per-digit group actions", fontsize=9)
    save_figure(fig, png, pdf)
