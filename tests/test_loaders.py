import gzip

import numpy as np
import pytest
import yaml
from conftest import REPO, SHARED_MIRROR, needs_shared_mirror

from symrep.data import fixtures
from symrep.data.loaders import load_cifar10, load_idx_dataset, load_medmnist, load_tmnist_csv, read_idx


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixtures")
    return root, fixtures.write_fixtures(root)


def test_fixtures_are_deterministic_and_pinned_in_the_test_config(mirror, tmp_path):
    assert fixtures.write_fixtures(tmp_path) == mirror[1]
    pinned = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())["data"]["checksums"]
    assert pinned == {k: v for k, v in mirror[1].items() if k in pinned}
    assert set(mirror[1]) - set(pinned) == {"tmnist/TMNIST_Data.csv"}  # not a catalogue artifact


def test_idx_round_trip_and_splits(mirror):
    data = load_idx_dataset(mirror[0] / "mnist")
    assert data["train_images"].shape == (600, 28, 28) and data["train_images"].dtype == np.uint8
    assert data["test_labels"].shape == (200,)
    assert set(np.unique(data["train_labels"])) == set(range(10))


def test_idx_rejects_bad_magic_and_truncation(tmp_path):
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"\x01\x02\x03\x04rest"))
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad.gz")
    good = fixtures.idx_bytes(np.zeros((3, 2, 2), np.uint8))
    (tmp_path / "short.gz").write_bytes(gzip.compress(good[:-1]))
    with pytest.raises(ValueError, match="announces shape"):
        read_idx(tmp_path / "short.gz")


def test_cifar10_reads_the_python_archive(mirror):
    data = load_cifar10(mirror[0] / "cifar10" / "cifar-10-python.tar.gz")
    assert data["train_images"].shape == (100, 32, 32, 3) and data["test_images"].shape == (40, 32, 32, 3)
    assert data["train_labels"].dtype == np.int64 and data["train_labels"].max() < 10


def test_cifar10_layout_is_channel_last(tmp_path):
    """A red image (channel 0 = 255) must come out with [..., 0] == 255: the pickle stores planes R, G, B."""
    import io
    import pickle
    import tarfile

    data = np.zeros((1, 3, 32, 32), np.uint8)
    data[:, 0] = 255
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in ("data_batch_1", "test_batch"):
            payload = pickle.dumps({b"data": data.reshape(1, -1), b"labels": [3]})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    (tmp_path / "c.tar.gz").write_bytes(buffer.getvalue())
    images = load_cifar10(tmp_path / "c.tar.gz")["train_images"]
    assert (images[..., 0] == 255).all() and (images[..., 1:] == 0).all()


@pytest.mark.parametrize("flag", list(fixtures.MEDMNIST_FIXTURES))
def test_medmnist_npz_official_splits(mirror, flag):
    data = load_medmnist(mirror[0] / "medmnist" / f"{flag}.npz")
    n_classes, per_class = fixtures.MEDMNIST_FIXTURES[flag]
    assert len(data["val_labels"]) == n_classes * per_class
    assert data["train_labels"].ndim == 1 and data["train_labels"].max() == n_classes - 1
    assert data["train_images"].shape[1:] == ((28, 28, 3) if flag == "pathmnist" else (28, 28, 28))


def test_medmnist_missing_keys_is_an_error(tmp_path):
    np.savez(tmp_path / "x.npz", train_images=np.zeros((1, 28, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="missing MedMNIST keys"):
        load_medmnist(tmp_path / "x.npz")


def test_tmnist_csv_selects_fonts_and_digits(mirror):
    images = load_tmnist_csv(
        mirror[0] / "tmnist" / "TMNIST_Data.csv", ["Bahianita-Regular", "IBMPlexSans-MediumItalic"]
    )
    assert images["images"].shape == (2, 10, 28, 28)
    with pytest.raises(ValueError, match="no glyph"):
        load_tmnist_csv(mirror[0] / "tmnist" / "TMNIST_Data.csv", ["Comic-Sans"])


@needs_shared_mirror
def test_real_mnist_from_the_mirror():
    data = load_idx_dataset(SHARED_MIRROR / "mnist")
    assert data["train_images"].shape == (60000, 28, 28) and data["test_images"].shape == (10000, 28, 28)
    assert np.bincount(data["test_labels"]).tolist()[:3] == [980, 1135, 1032]
