"""Image inpainting data (Huang, Levie & Villar, `image_inpainting/graph_coarsen_runs.ipynb`): a stratified
subset of training and test images, one square mask per image, a train/validation split.

The image subsets are drawn as the notebook draws them (scikit-learn's stratified `train_test_split`
with `random_state=subset_seed`, the same images for every run when subset_seed is fixed); the masks'
top-left corners and the 80/20 split are drawn per run seed. Stored as uint8 images with the mask
corners and the split; `masked_pairs` turns them into the normalised (input, target) tensors.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from symrep.data.loaders import load_dataset
from symrep.plumbing import atomic_path

log = logging.getLogger(__name__)
SIDE = 28


def stratified_subset(labels: np.ndarray, size: int, random_state: int) -> np.ndarray:
    """Indices of `size` images, class proportions kept: the first part of the notebook's
    `train_test_split(arange(n), train_size=size, random_state=..., shuffle=True, stratify=labels)`."""
    return train_test_split(
        np.arange(len(labels)), train_size=size, random_state=random_state, shuffle=True, stratify=labels
    )[0]


def mask_corners(n: int, mask_size: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) top-left (row, column) of each square mask, uniform in [0, 28 - mask_size) as the released
    `get_masked_img` (numpy's randint excludes the upper bound: the last row and column are never masked)."""
    return rng.integers(0, SIDE - mask_size, size=(n, 2))


def build_inpainting(images: dict[str, np.ndarray], settings: dict, seed: int) -> dict:
    """The subsets (uint8), their labels, mask corners and the train/val split of one run seed."""
    subset_seed = seed if settings["subset_seed"] is None else settings["subset_seed"]
    out: dict = {}
    for split, size in (("train", settings["train_images"]), ("test", settings["test_images"])):
        labels = images[f"{split}_labels"]
        idx = stratified_subset(labels, size, subset_seed)
        out[f"{split}_images"] = torch.from_numpy(np.ascontiguousarray(images[f"{split}_images"][idx]))
        out[f"{split}_labels"] = torch.from_numpy(labels[idx].astype(np.int64))
        out[f"{split}_source_index"] = torch.from_numpy(idx.astype(np.int64))
    rng = np.random.default_rng(seed)
    for split in ("train", "test"):  # the notebook's order: the training masks, then the test masks
        corners = mask_corners(len(out[f"{split}_labels"]), settings["mask_size"], rng)
        out[f"{split}_corners"] = torch.from_numpy(corners.astype(np.int64))
    order = rng.permutation(settings["train_images"])
    n_val = round(settings["train_images"] * settings["val_fraction"])
    if not 0 < n_val < settings["train_images"]:
        raise ValueError(f"val_fraction {settings['val_fraction']} leaves no training or validation image")
    n_fit = settings["train_images"] - n_val  # the notebook: the first 80% of a random order, then the rest
    out["fit_index"] = torch.from_numpy(np.sort(order[:n_fit]).astype(np.int64))
    out["val_index"] = torch.from_numpy(np.sort(order[n_fit:]).astype(np.int64))
    out["meta"] = {"seed": seed, **settings, "subset_seed": subset_seed}
    return out


def normalise(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 (n, 28, 28) → float (n, 1, 784): ToTensor (÷255) then Normalize((mean,), (std,))."""
    return ((images.float() / 255 - mean) / std).reshape(len(images), 1, SIDE * SIDE)


def apply_masks(x: torch.Tensor, corners: torch.Tensor, mask_size: int) -> torch.Tensor:
    """Set each image's mask_size×mask_size square at its corner to 0 (after normalisation)."""
    rows = torch.arange(SIDE)
    r0, c0 = corners[:, 0, None], corners[:, 1, None]
    inside_r = (rows >= r0) & (rows < r0 + mask_size)  # (n, 28)
    inside_c = (rows >= c0) & (rows < c0 + mask_size)
    mask = (inside_r[:, :, None] & inside_c[:, None, :]).reshape(len(x), 1, SIDE * SIDE)
    return x.masked_fill(mask, 0.0)


def masked_pairs(data: dict, device: torch.device) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """split -> (masked input, clean target), each (n, 1, 784), for the fit, val and test splits."""
    meta = data["meta"]
    pairs = {}
    for source in ("train", "test"):
        y = normalise(data[f"{source}_images"], meta["mean"], meta["std"])
        pairs[source] = (apply_masks(y, data[f"{source}_corners"], meta["mask_size"]), y)
    out = {name: tuple(t[data[f"{name}_index"]] for t in pairs["train"]) for name in ("fit", "val")}
    out["test"] = pairs["test"]
    return {name: (x.to(device), y.to(device)) for name, (x, y) in out.items()}


def make_dataset(files: list[str | Path], settings: dict, seed: int, out: str | Path) -> None:
    """Draw one run seed's inpainting data from the catalogue dataset `settings["dataset"]` and save it."""
    data = build_inpainting(load_dataset(settings["dataset"], files), settings, seed)
    with atomic_path(out) as tmp:
        torch.save(data, tmp)
    log.info(
        "%s seed %d: %d training (%d fit / %d val), %d test images, mask %d",
        settings["dataset"],
        seed,
        len(data["train_labels"]),
        len(data["fit_index"]),
        len(data["val_index"]),
        len(data["test_labels"]),
        settings["mask_size"],
    )
