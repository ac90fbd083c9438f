"""Tiny stand-ins for the canonical dataset files, written byte-for-byte in the canonical formats.

They let the test suite run the real loading code for datasets this machine cannot download
(CIFAR-10, MedMNIST, the Kaggle TMNIST CSV) and keep the `.test` DAG independent of any mirror.
Output is deterministic (fixed seeds and timestamps), so its MD5s can be pinned in `.test` config.

    python -m symrep.data.fixtures OUT_DIR     # writes the files and prints their MD5s as YAML
"""

from __future__ import annotations

import gzip
import io
import pickle
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

from symrep.data.fetch import md5sum
from symrep.plumbing import atomic_path

#: (train, val, test) sizes of the MedMNIST stand-ins, and class counts as in medmnist.INFO
MEDMNIST_FIXTURES = {
    "nodulemnist3d": (2, 2),
    "synapsemnist3d": (2, 2),
    "organmnist3d": (11, 1),
    "pathmnist": (9, 2),
}
TMNIST_FONTS = ("IBMPlexSans-MediumItalic", "Bahianita-Regular", "Roboto-Regular")
_IDX = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
#: every file `write_fixtures` writes, relative to its root (mirror layout)
FIXTURE_FILES = (
    *(f"{d}/{n}" for d in ("mnist", "fashion_mnist") for n in _IDX),
    "cifar10/cifar-10-python.tar.gz",
    *(f"medmnist/{flag}.npz" for flag in MEDMNIST_FIXTURES),
    "tmnist/TMNIST_Data.csv",
)


def class_images(
    rng: np.random.Generator, labels: np.ndarray, shape: tuple[int, ...], n_classes: int
) -> np.ndarray:
    """uint8 images: one smooth random template per class plus per-sample noise (learnable, not trivial)."""
    templates = rng.random((n_classes, *shape))
    for axis in range(len(shape)):  # smooth along every spatial axis
        templates = (templates + np.roll(templates, 1, axis + 1) + np.roll(templates, -1, axis + 1)) / 3
    images = templates[labels] + 0.15 * rng.standard_normal((len(labels), *shape))
    return np.clip(images * 255, 0, 255).astype(np.uint8)


def _gzip_bytes(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as f:
        f.write(payload)
    return buffer.getvalue()


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def _write(path: Path, payload: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)


def write_idx_dataset(folder: Path, seed: int, n_train: int = 600, n_test: int = 200) -> None:
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        _write(
            folder / f"{prefix}-images-idx3-ubyte.gz",
            _gzip_bytes(idx_bytes(class_images(rng, labels, (28, 28), 10))),
        )
        _write(folder / f"{prefix}-labels-idx1-ubyte.gz", _gzip_bytes(idx_bytes(labels.astype(np.uint8))))


def write_cifar10(path: Path, seed: int = 3, per_batch: int = 20, n_test: int = 40) -> None:
    rng = np.random.default_rng(seed)
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
            labels = rng.integers(0, 10, n)
            images = class_images(rng, labels, (3, 32, 32), 10).reshape(n, -1)
            payload = pickle.dumps(
                {
                    b"batch_label": name.encode(),
                    b"labels": labels.tolist(),
                    b"data": images,
                    b"filenames": [f"{name}_{i}.png".encode() for i in range(n)],
                },
                protocol=2,
            )
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size, info.mtime, info.mode = len(payload), 0, 0o644
            tar.addfile(info, io.BytesIO(payload))
    _write(path, _gzip_bytes(tar_buffer.getvalue()))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """np.savez layout with fixed timestamps (np.savez stamps the current time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
            archive.writestr(
                zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue()
            )
    return buffer.getvalue()


def write_medmnist(path: Path, n_classes: int, per_class: int, seed: int) -> None:
    """MedMNIST npz with the real keys; 3D volumes (N, 28, 28, 28), pathmnist (N, 28, 28, 3)."""
    rng = np.random.default_rng(seed)
    shape = (28, 28, 3) if path.stem == "pathmnist" else (28, 28, 28)
    arrays = {}
    for split, factor in (("train", 4), ("val", 1), ("test", 2)):
        labels = np.repeat(np.arange(n_classes), per_class * factor)
        arrays[f"{split}_images"] = class_images(rng, labels, shape, n_classes)
        arrays[f"{split}_labels"] = labels.reshape(-1, 1).astype(np.uint8)
    _write(path, npz_bytes(arrays))


def write_tmnist_csv(path: Path, seed: int = 4) -> None:
    """The Kaggle TMNIST_Data.csv layout: `names`, `labels`, then pixel columns 1..784."""
    rng = np.random.default_rng(seed)
    lines = ["names,labels," + ",".join(str(i) for i in range(1, 785))]
    for font in TMNIST_FONTS:
        for digit in range(10):
            pixels = class_images(rng, np.array([digit]), (28, 28), 10)[0].ravel()
            lines.append(f"{font},{digit}," + ",".join(map(str, pixels)))
    _write(path, ("\n".join(lines) + "\n").encode())


def fixture_root(first_file: str | Path) -> Path:
    """The root folder, given the path of the first of FIXTURE_FILES below it."""
    first_file = Path(first_file)
    if not first_file.as_posix().endswith(FIXTURE_FILES[0]):
        raise ValueError(f"{first_file} is not {FIXTURE_FILES[0]} below a fixtures folder")
    return first_file.parents[len(Path(FIXTURE_FILES[0]).parts) - 1]


def write_fixtures(root: str | Path) -> dict[str, str]:
    """Write every stand-in below `root` (mirror layout); return {relative path: md5}."""
    root = Path(root)
    write_idx_dataset(root / "mnist", seed=1)
    write_idx_dataset(root / "fashion_mnist", seed=2)
    write_cifar10(root / "cifar10" / "cifar-10-python.tar.gz")
    for i, (flag, (n_classes, per_class)) in enumerate(MEDMNIST_FIXTURES.items()):
        write_medmnist(root / "medmnist" / f"{flag}.npz", n_classes, per_class, seed=10 + i)
    write_tmnist_csv(root / "tmnist" / "TMNIST_Data.csv")
    return {path: md5sum(root / path) for path in FIXTURE_FILES}


if __name__ == "__main__":
    for relpath, digest in write_fixtures(sys.argv[1]).items():
        print(f"{relpath}: {digest}")
