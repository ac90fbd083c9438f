"""Lever B (docs/performance.md): the training loops of DDMNIST, MedMNIST3D and SMOKE without a host sync per
step (the epoch's random draws reach the device once, loss parts are read once per epoch, SMOKE's validation
reads its batch MSEs once) are bit-identical to the per-step loops they replaced (tests/oracles.py), and do
no copy from the CPU nor read of a device value per step. Tasks at the .test configuration's settings (every
protocol variant), built as bench/_steps.py builds them, on synthetic data."""

from __future__ import annotations

import dataclasses
import sys

import pytest
import torch
import yaml
from conftest import REPO, TEST_DIR, bit_equal

from symrep.budget import all_plans, rows
from symrep.config import deep_merge

sys.path.insert(0, str(REPO / "bench"))
from _steps import BUILDERS, host_syncs, levers

CPU = torch.device("cpu")
SMALL = {"experiments": {"medmnist3d": {"batch_size": 4}, "ddmnist": {"batch_size": 16}}}
CHANGED = ("ddmnist", "medmnist3d", "smoke")


def paper_and_test_rows() -> dict:
    """Timing key -> its first row under the .test configuration, validating on 8 samples."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config = deep_merge(config, yaml.safe_load((TEST_DIR / "config" / "config.yaml").read_text()))
    out = {}
    for row in rows(all_plans(deep_merge(config, SMALL))):
        out.setdefault(row.timing, dataclasses.replace(row, val_samples=min(row.val_samples, 8)))
    return out


ROWS = paper_and_test_rows()


def build(row, batches: int = 3):
    torch.manual_seed(0)  # the model's initialisation
    built = BUILDERS[row.experiment](row, CPU, None)
    built.attach(built.train_data(batches * built.batch))
    return built.task


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("key", [k for k, r in ROWS.items() if r.experiment in CHANGED])
def test_sync_free_training_is_bit_identical_to_the_per_step_loop(key):
    """Two epochs and their validations from the same initialisation and seed: the same metrics (history
    rows) and bit for bit the same parameters and buffers."""
    row = ROWS[key]
    old, new = build(row), build(row)
    old_rng, new_rng = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    calls = []
    for epoch in range(2):
        with levers("today", calls, undo=("B",)):
            old.model.train()
            before = old.train_epoch(epoch, old_rng) | old.validate(epoch)
        new.model.train()
        after = new.train_epoch(epoch, new_rng) | new.validate(epoch)
        assert before == after, (epoch, before, after)
    assert calls, "the per-step loop was not patched in"
    old_state, new_state = old.model.state_dict(), new.model.state_dict()
    assert old_state.keys() == new_state.keys()
    assert all(bit_equal(old_state[k], new_state[k]) for k in old_state)


@pytest.mark.parametrize("key", [k for k, r in ROWS.items() if r.experiment in CHANGED])
def test_no_host_sync_per_training_step(key):
    """Counted on meta over epochs of different lengths: the per-step loops copied each step's draws to the
    device (DDMNIST 2 or 4 per step, MedMNIST3D 1 or 2 when it rotates, SMOKE 2); none is left per step."""
    (copies, reads), _ = host_syncs(ROWS[key], "new")
    assert (copies, reads) == (0, 0)
    (old_copies, old_reads), _ = host_syncs(ROWS[key], "today")
    assert old_reads == 0 and old_copies in (0, 1, 2, 4)  # the counter sees the old copies
    if key.startswith(("ddmnist", "smoke")) or "ours" in key or "cnn_aug" in key:
        assert old_copies > 0
