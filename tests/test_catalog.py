import pytest
from conftest import SHARED_MIRROR, needs_shared_mirror

from symrep.data.catalog import ARTIFACTS, DATASETS, artifacts_of
from symrep.data.fetch import md5sum


def test_medmnist_entries_match_the_official_info():
    medmnist = pytest.importorskip("medmnist")
    for flag in ("nodulemnist3d", "synapsemnist3d", "organmnist3d", "pathmnist"):
        artifact = ARTIFACTS[f"medmnist/{flag}.npz"]
        assert artifact.md5 == medmnist.INFO[flag]["MD5"]
        assert artifact.urls == (medmnist.INFO[flag]["url"],)


def test_every_dataset_lists_catalogued_artifacts():
    for name, paths in DATASETS.items():
        assert paths and all(p in ARTIFACTS for p in paths), name
    with pytest.raises(KeyError, match="unknown dataset 'imagenet'"):
        artifacts_of("imagenet")


@needs_shared_mirror
@pytest.mark.parametrize(
    "path", [p for p in ARTIFACTS if p.split("/")[0] in ("mnist", "fashion_mnist", "fonts")]
)
def test_shared_mirror_holds_the_canonical_files(path):
    assert md5sum(SHARED_MIRROR / path) == ARTIFACTS[path].md5
