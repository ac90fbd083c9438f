"""A data card per fetched dataset: files and checksums, and per split the array shapes and class counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symrep.data.fetch import md5sum
from symrep.data.loaders import load_dataset


def summarize(name: str, files: list[str | Path]) -> dict:
    card = {"dataset": name, "files": {Path(f).name: md5sum(f) for f in files}}
    if name == "tmnist_fonts":  # font files: the TMNIST builder renders them
        return card
    arrays = load_dataset(name, files)
    card["splits"] = {}
    for key in sorted(k for k in arrays if k.endswith("_images")):
        split = key.removesuffix("_images")
        labels = arrays[f"{split}_labels"]
        classes, counts = np.unique(labels, return_counts=True)
        card["splits"][split] = {
            "images": list(arrays[key].shape),
            "dtype": str(arrays[key].dtype),
            "classes": {int(c): int(n) for c, n in zip(classes, counts)},
        }
    return card
