"""symrep.runtime: the device and the determinism setting of a job; cudnn.benchmark (lever F,
docs/performance.md) follows the setting and changes no number on the CPU."""

from __future__ import annotations

import sys

import pytest
import torch
from conftest import REPO, bit_equal
from test_sync_free import ROWS, build

from symrep.runtime import resolve_device, seed_everything

sys.path.insert(0, str(REPO / "bench"))
from _steps import levers


@pytest.fixture
def restored_backends():
    saved = torch.backends.cudnn.benchmark, torch.are_deterministic_algorithms_enabled()
    yield
    torch.backends.cudnn.benchmark = saved[0]
    torch.use_deterministic_algorithms(saved[1])


def test_cudnn_benchmark_follows_the_determinism_setting(restored_backends):
    """Off for a deterministic run (cuDNN's algorithm search is not reproducible), on otherwise (the
    training shapes are fixed but for a short last batch)."""
    seed_everything(0, deterministic=False)
    assert torch.backends.cudnn.benchmark and not torch.are_deterministic_algorithms_enabled()
    seed_everything(0, deterministic=True)
    assert not torch.backends.cudnn.benchmark and torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)
    seed_everything(0, deterministic=False)
    assert torch.backends.cudnn.benchmark


@pytest.mark.parametrize(
    "key", ["ddmnist_train/released/C4/ours", "medmnist3d_train/released/ours", "smoke_train/described/ours"]
)
def test_cudnn_benchmark_changes_no_number_on_the_cpu(key, restored_backends):
    """An epoch and a validation of a convolutional task with cudnn.benchmark off (today) and on (new)."""
    old, new = build(ROWS[key]), build(ROWS[key])
    with levers("today", undo=("F",)):
        assert not torch.backends.cudnn.benchmark
        before = old.train_epoch(0, torch.Generator().manual_seed(5)) | old.validate(0)
    with levers("new"):
        assert torch.backends.cudnn.benchmark
        after = new.train_epoch(0, torch.Generator().manual_seed(5)) | new.validate(0)
    assert before == after
    assert all(
        bit_equal(a, b) for a, b in zip(old.model.state_dict().values(), new.model.state_dict().values())
    )


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            resolve_device("cuda")
