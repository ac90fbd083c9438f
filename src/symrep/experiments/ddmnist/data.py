"""Double-digit MNIST (DDMNIST) as Veefkind & Cesa build it: the digit pairs of every split.

For each of the 100 classes n = 10a + b, `per_class` (left, right) digit pairs are drawn with replacement
among MNIST images of digit a and digit b; train from the MNIST training split, validation and test as two
independent draws from the MNIST test split. Stored as uint8 digit pairs (N, 2, 28, 28) with int64 labels.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from symrep.data.loaders import load_dataset
from symrep.plumbing import atomic_path

log = logging.getLogger(__name__)
SPLITS = ("train", "val", "test")


def sample_pairs(
    images: np.ndarray, labels: np.ndarray, per_class: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(100·per_class, 2, 28, 28) uint8 digit pairs and their labels 10·left + right, class by class."""
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    missing = [d for d, idx in enumerate(by_digit) if len(idx) == 0]
    if missing:
        raise ValueError(f"MNIST split has no image of digit(s) {missing}")
    left, right = [], []
    for number in range(100):
        left.append(rng.choice(by_digit[number // 10], size=per_class))
        right.append(rng.choice(by_digit[number % 10], size=per_class))
    digits = np.stack([images[np.concatenate(left)], images[np.concatenate(right)]], axis=1)
    return digits, np.repeat(np.arange(100), per_class)


def build_ddmnist(mnist: dict[str, np.ndarray], sizes: dict[str, int], seed: int) -> dict[str, torch.Tensor]:
    """`<split>_digits` (uint8) and `<split>_labels` (int64) for train/val/test; `sizes` = pairs per class.

    One seeded generator draws train (MNIST train split), then val and test (MNIST test split).
    """
    rng = np.random.default_rng(seed)
    out = {}
    for split in SPLITS:
        source = "train" if split == "train" else "test"
        digits, labels = sample_pairs(mnist[f"{source}_images"], mnist[f"{source}_labels"], sizes[split], rng)
        out[f"{split}_digits"] = torch.from_numpy(np.ascontiguousarray(digits, dtype=np.uint8))
        out[f"{split}_labels"] = torch.from_numpy(labels.astype(np.int64))
    return out


def make_dataset(mnist_files: list[str | Path], sizes: dict[str, int], seed: int, out: str | Path) -> None:
    """Sample the digit pairs of every split from MNIST and save them (uint8) with their settings."""
    data = build_ddmnist(load_dataset("mnist", mnist_files), sizes, seed)
    data["meta"] = {"seed": seed, "sizes": dict(sizes)}
    with atomic_path(out) as tmp:
        torch.save(data, tmp)
    log.info("DDMNIST seed %d: %s pairs", seed, {s: len(data[f"{s}_labels"]) for s in sizes})
