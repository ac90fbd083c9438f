"""Read canonical dataset files into numpy arrays with their official splits.

Every loader returns a dict of arrays keyed `<split>_images` / `<split>_labels`, images uint8.
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """Parse an IDX file (optionally gzipped), as used by MNIST and Fashion-MNIST."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()})")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path}: IDX header announces shape {shape} ({expected} bytes), file has {len(raw)}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def load_idx_dataset(folder: str | Path) -> dict[str, np.ndarray]:
    """MNIST-style folder with the four canonical `*-idx*-ubyte.gz` files; splits 'train' and 'test'."""
    folder = Path(folder)
    arrays = {
        "train_images": read_idx(folder / "train-images-idx3-ubyte.gz"),
        "train_labels": read_idx(folder / "train-labels-idx1-ubyte.gz"),
        "test_images": read_idx(folder / "t10k-images-idx3-ubyte.gz"),
        "test_labels": read_idx(folder / "t10k-labels-idx1-ubyte.gz"),
    }
    for split in ("train", "test"):
        if len(arrays[f"{split}_images"]) != len(arrays[f"{split}_labels"]):
            raise ValueError(f"{folder}: {split} images and labels differ in length")
    return arrays


def load_cifar10(archive: str | Path) -> dict[str, np.ndarray]:
    """CIFAR-10 python archive: train = data_batch_1..5, test = test_batch; images (N, 32, 32, 3) uint8."""
    batches: dict[str, dict] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if name.startswith("data_batch_") or name == "test_batch":
                batches[name] = pickle.load(io.BytesIO(tar.extractfile(member).read()), encoding="bytes")
    train_names = sorted(n for n in batches if n.startswith("data_batch_"))
    if not train_names or "test_batch" not in batches:
        raise ValueError(f"{archive}: no data_batch_* / test_batch members; not a CIFAR-10 python archive")

    def stack(names):
        images = (
            np.concatenate([batches[n][b"data"] for n in names]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        )
        labels = np.concatenate([np.asarray(batches[n][b"labels"]) for n in names])
        return np.ascontiguousarray(images, dtype=np.uint8), labels.astype(np.int64)

    out = {}
    out["train_images"], out["train_labels"] = stack(train_names)
    out["test_images"], out["test_labels"] = stack(["test_batch"])
    return out


MEDMNIST_KEYS = tuple(f"{s}_{k}" for s in ("train", "val", "test") for k in ("images", "labels"))


def load_medmnist(npz: str | Path) -> dict[str, np.ndarray]:
    """MedMNIST npz with the official train/val/test splits; labels flattened to (N,)."""
    with np.load(npz) as data:
        missing = [k for k in MEDMNIST_KEYS if k not in data.files]
        if missing:
            raise ValueError(f"{npz}: missing MedMNIST keys {missing} (has {data.files})")
        out = {k: data[k] for k in MEDMNIST_KEYS}
    for split in ("train", "val", "test"):
        out[f"{split}_labels"] = (
            out[f"{split}_labels"].reshape(len(out[f"{split}_labels"]), -1)[:, 0].astype(np.int64)
        )
    return out


def load_tmnist_csv(csv: str | Path, fonts: list[str] | tuple[str, ...]) -> dict[str, np.ndarray]:
    """Rows of the Kaggle TMNIST_Data.csv (`names`, `labels`, 784 pixels) for the given fonts.

    Returns `images` (F, 10, 28, 28) uint8 indexed by (font, digit); a missing glyph is an error.
    """
    import pandas as pd

    table = pd.read_csv(csv)
    images = np.zeros((len(fonts), 10, 28, 28), dtype=np.uint8)
    for i, font in enumerate(fonts):
        rows = table[table["names"] == font]
        for digit in range(10):
            match = rows[rows["labels"] == digit]
            if match.empty:
                raise ValueError(f"{csv}: no glyph for digit {digit} in font '{font}'")
            images[i, digit] = match.iloc[0, 2:].to_numpy(dtype=np.uint8).reshape(28, 28)
    return {"images": images}


def load_dataset(name: str, files: list[str | Path]) -> dict[str, np.ndarray]:
    """Arrays of a catalogue dataset from its fetched files (in catalogue order)."""
    if name in ("mnist", "fashion_mnist"):
        return load_idx_dataset(Path(files[0]).parent)
    if name == "cifar10":
        return load_cifar10(files[0])
    if name.endswith("mnist3d") or name == "pathmnist":
        return load_medmnist(files[0])
    raise ValueError(f"dataset '{name}' has no array loader (it is not an image dataset)")
