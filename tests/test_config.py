import pytest

from symrep.config import ConfigError, deep_merge
from symrep.data.availability import check_datasets


def test_deep_merge_layers_nested_keys_and_replaces_lists():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    merged = deep_merge(base, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}  # inputs untouched


def test_unknown_dataset_is_named(tmp_path):
    with pytest.raises(ConfigError, match="unknown dataset 'imagenet'"):
        check_datasets(["imagenet"], {"download": True, "mirrors": []}, tmp_path)


def test_offline_missing_file_lists_where_it_looked(tmp_path):
    with pytest.raises(ConfigError) as err:
        check_datasets(["cifar10"], {"download": False, "mirrors": [str(tmp_path / "m")]}, tmp_path / "raw")
    message = str(err.value)
    assert (
        "cifar10/cifar-10-python.tar.gz" in message
        and str(tmp_path / "m") in message
        and "download is false" in message
    )


def test_offline_files_present_or_generated_pass(tmp_path):
    (tmp_path / "m" / "cifar10").mkdir(parents=True)
    (tmp_path / "m" / "cifar10" / "cifar-10-python.tar.gz").write_bytes(b"x")
    check_datasets(["cifar10"], {"download": False, "mirrors": [str(tmp_path / "m")]}, tmp_path / "raw")
    check_datasets(
        ["cifar10"],
        {"download": False, "mirrors": []},
        tmp_path / "raw",
        generated=["cifar10/cifar-10-python.tar.gz"],
    )
