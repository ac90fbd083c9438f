"""Images for the ensemble experiments: training data, in-distribution and out-of-distribution sets,
normalisation and the group actions used for augmentation and evaluation.

Images are float tensors (N, 1, 28, 28); pixel values in [0, 1] until `Normalizer` is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from symrep.actions.planar import act_2d
from symrep.data.loaders import load_dataset
from symrep.groups import FiniteGroup

GREY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601-2 luma, as PIL's and torchvision's Grayscale


def to_unit_images(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) greyscale or (N, H, W, 3) colour images → float (N, 1, 28, 28) in [0, 1];
    colour images are turned grey (luma) and resized bilinearly with antialiasing (CIFAR-10 32 → 28)."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float() / 255
    if x.dim() == 4:
        x = (x * torch.tensor(GREY_WEIGHTS)).sum(-1)
    x = x.unsqueeze(1)
    if x.shape[-2:] != (28, 28):
        x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)
    return x


def load_split(dataset: str, files: list[str], split: str) -> tuple[torch.Tensor, torch.Tensor]:
    arrays = load_dataset(dataset, files)
    return to_unit_images(arrays[f"{split}_images"]), torch.as_tensor(
        arrays[f"{split}_labels"], dtype=torch.long
    )


def noise_images(n: int, seed: int) -> torch.Tensor:
    """Uniform pixel noise in [0, 1] (the out-of-distribution set when no OOD dataset is configured)."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def subset(n_total: int, n: int | None, seed: int) -> torch.Tensor:
    """Indices of a seeded random subset of size n (all, in order, when n is None or ≥ n_total)."""
    if n is None or n >= n_total:
        return torch.arange(n_total)
    return torch.randperm(n_total, generator=torch.Generator().manual_seed(seed))[:n].sort().values


@dataclass(frozen=True)
class Normalizer:
    """x ↦ (x - mean) / std with the training images' pixel statistics."""

    mean: float
    std: float

    @classmethod
    def fit(cls, images: torch.Tensor) -> Normalizer:
        return cls(float(images.mean()), float(images.std()))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def group_action(group: FiniteGroup):
    """act(g, x) for C_n on image batches: exact rot90 for multiples of 90°, else bilinear, zero fill."""
    return partial(act_2d, group)


def augmenter(group: FiniteGroup, normalize: Normalizer, before_normalizing: bool):
    """(g, unit images) ↦ normalised transformed images. `before_normalizing`: rotate the [0, 1] images
    (the area a rotation uncovers is black), else rotate after normalising (it gets the value 0, i.e. the
    mean pixel value — as the released Nordenfors & Flinth code does)."""
    act = group_action(group)
    if before_normalizing:
        return lambda g, x: normalize(act(g, x))
    return lambda g, x: act(g, normalize(x))


def training_images(s: dict, files: list[str]) -> tuple[torch.Tensor, torch.Tensor, Normalizer]:
    """The (seeded) training subset and the normaliser fitted on the whole training split."""
    images, labels = load_split(s["dataset"], files, "train")
    normalize = Normalizer.fit(images)
    keep = subset(len(labels), s["train_samples"], s["seed"])
    return images[keep], labels[keep], normalize
