"""The canonical dataset files the pipeline fetches, with their published MD5 checksums.

An artifact's `path` is where it lives below a mirror directory and below `resources/raw/`.
MedMNIST URLs and checksums are those of `medmnist.INFO` (medmnist 3.0.2, size 28; a test checks them).
"""

from __future__ import annotations

from dataclasses import dataclass

_MNIST_URLS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_FASHION_URLS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
_MEDMNIST_URL = "https://zenodo.org/records/10519652/files/{}.npz?download=1"
_BAHIANITA_URL = (
    "https://raw.githubusercontent.com/Omnibus-Type/Bahiana/{}/Bahianita/fonts/ttf/Bahianita-Regular.ttf"
)
_PLEX_PATH = "@expo-google-fonts/ibm-plex-sans@0.4.1/500Medium_Italic/IBMPlexSans_500Medium_Italic.ttf"


@dataclass(frozen=True)
class Artifact:
    path: str
    md5: str
    urls: tuple[str, ...]


def _idx_files(folder: str, bases: tuple[str, ...], md5s: dict[str, str]) -> list[Artifact]:
    return [
        Artifact(f"{folder}/{name}", md5, tuple(base + name for base in bases)) for name, md5 in md5s.items()
    ]


ARTIFACTS: dict[str, Artifact] = {
    a.path: a
    for a in [
        *_idx_files(
            "mnist",
            _MNIST_URLS,
            {
                "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
                "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
            },
        ),
        *_idx_files(
            "fashion_mnist",
            _FASHION_URLS,
            {
                "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
                "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
                "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
            },
        ),
        Artifact(
            "cifar10/cifar-10-python.tar.gz",
            "c58f30108f718f92721af3b95e74349a",
            ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        ),
        *[
            Artifact(f"medmnist/{flag}.npz", md5, (_MEDMNIST_URL.format(flag),))
            for flag, md5 in {
                "nodulemnist3d": "8755a7e9e05a4d9ce80a24c3e7a256f3",
                "synapsemnist3d": "1235b78a3cd6280881dd7850a78eadb6",
                "organmnist3d": "a0c5a1ff56af4f155c46d46fbb45a2fe",
                "pathmnist": "a8b06965200029087d5bd730944a56c1",
            }.items()
        ],
        Artifact(
            "fonts/Bahianita-Regular.ttf",
            "9697f8620c1f52c892e99045f018cc4d",
            (_BAHIANITA_URL.format("0efedac"), _BAHIANITA_URL.format("master")),
        ),
        Artifact(
            "fonts/IBMPlexSans-MediumItalic.ttf",
            "c47d33fff6cd44f71058722e93c3e85f",
            (f"https://cdn.jsdelivr.net/npm/{_PLEX_PATH}", f"https://unpkg.com/{_PLEX_PATH}"),
        ),
    ]
}

_IDX = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

#: dataset name -> the artifacts it is built from
DATASETS: dict[str, tuple[str, ...]] = {
    "mnist": tuple(f"mnist/{n}" for n in _IDX),
    "fashion_mnist": tuple(f"fashion_mnist/{n}" for n in _IDX),
    "cifar10": ("cifar10/cifar-10-python.tar.gz",),
    "nodulemnist3d": ("medmnist/nodulemnist3d.npz",),
    "synapsemnist3d": ("medmnist/synapsemnist3d.npz",),
    "organmnist3d": ("medmnist/organmnist3d.npz",),
    "pathmnist": ("medmnist/pathmnist.npz",),
    "tmnist_fonts": ("fonts/Bahianita-Regular.ttf", "fonts/IBMPlexSans-MediumItalic.ttf"),
}


def artifacts_of(dataset: str) -> tuple[str, ...]:
    try:
        return DATASETS[dataset]
    except KeyError:
        raise KeyError(f"unknown dataset '{dataset}'; known: {', '.join(sorted(DATASETS))}") from None
