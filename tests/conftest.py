"""Shared test helpers."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

REPO = Path(__file__).resolve().parents[1]
SHARED_MIRROR = (REPO / ".." / "shared" / "data" / "mirror").resolve()
TEST_DIR = REPO / ".test"
TEST_STATE = ("results", "resources", "logs", "benchmarks", "checkpoints", "mirror", ".snakemake")


def snakemake(*args: str, cwd: Path = REPO, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the pipeline's Snakemake with this interpreter; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


needs_shared_mirror = pytest.mark.skipif(
    not (SHARED_MIRROR / "mnist").is_dir(), reason=f"no data mirror at {SHARED_MIRROR}"
)


@pytest.fixture(scope="session")
def test_dag_run() -> subprocess.CompletedProcess:
    """The .test DAG run once per session, locally on 2 cores, from a clean state (generated fixtures,
    fetch, train, render). The workflow tests check it; the SLURM test compares its own run with it."""
    for name in TEST_STATE:
        shutil.rmtree(TEST_DIR / name, ignore_errors=True)
    result = snakemake("--cores", "2", "--directory", str(TEST_DIR), "--show-failed-logs", timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return result


_BITS = {torch.float32: torch.int32, torch.float64: torch.int64, torch.bfloat16: torch.int16}


def bit_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same shape, dtype and bits: torch.equal, and for floats also the sign of zeros."""
    same = a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)
    return same and (a.dtype not in _BITS or torch.equal(a.view(_BITS[a.dtype]), b.view(_BITS[b.dtype])))


class HostSync(AssertionError):
    """A batched action read a tensor value back to the host (a device sync on CUDA)."""


_VALUE_READS = {"_local_scalar_dense", "nonzero", "nonzero_static", "masked_select", "equal", "is_nonzero"}


class _NoValueReads(TorchDispatchMode):
    """Raise on every aten op that reads values to the host or whose output shape depends on values:
    item/tolist/int()/bool() (`_local_scalar_dense`), unique, nonzero, masked_select, boolean-mask indexing."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        masks = name in ("index", "index_put", "index_put_", "_index_put_impl_") and any(
            torch.is_tensor(i) and i.dtype in (torch.bool, torch.uint8) for i in (args[1] or ())
        )
        if name in _VALUE_READS or "unique" in name or masks:
            raise HostSync(f"host sync: aten.{name}")
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def forbid_host_syncs():
    """Fail if the code inside reads a tensor value back to the host: Python-level Tensor.item, Tensor.tolist,
    torch.unique and nonzero are patched to raise, and a dispatch mode raises on the aten ops behind them (and
    behind boolean-mask indexing), including calls from inside torch. On CUDA, also torch's sync debug mode."""

    def refuse(name):
        def raiser(*args, **kwargs):
            raise HostSync(f"host sync: {name}")

        return raiser

    patches = [
        (torch.Tensor, "item"),
        (torch.Tensor, "tolist"),
        (torch.Tensor, "unique"),
        (torch.Tensor, "nonzero"),
        (torch, "unique"),
        (torch, "nonzero"),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name in patches]
    cuda = torch.cuda.is_available()
    try:
        for owner, name, _ in saved:
            setattr(owner, name, refuse(f"{getattr(owner, '__name__', owner)}.{name}"))
        if cuda:
            torch.cuda.set_sync_debug_mode("error")
        with _NoValueReads():
            yield
    finally:
        if cuda:
            torch.cuda.set_sync_debug_mode("default")
        for owner, name, fn in saved:
            setattr(owner, name, fn)
