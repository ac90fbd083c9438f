"""What a job runs on and from which random state: the device, the seeds, named random streams."""

from __future__ import annotations

import os
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA when present, else the CPU; 'cuda' without a GPU is an error."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device '{name}' requested but CUDA is not available on this machine")
    return torch.device(name)


def seed_everything(seed: int, deterministic: bool = False) -> torch.Generator:
    """Seed python, numpy and torch (CPU and CUDA); return a CPU generator for data order and augmentation.

    deterministic=True also makes torch refuse non-deterministic kernels (slower on GPU). Otherwise cuDNN
    times its convolution algorithms for each new shape and keeps the fastest (`cudnn.benchmark`; the
    training shapes are fixed but for a short last batch): a GPU run is not bit-reproducible then anyway,
    and a CPU run is unaffected.
    """
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = not deterministic
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def stream_generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator of its own for one use of a run's randomness (a data split, a fixed evaluation
    draw), independent of the training stream: seeded with 1000·seed + stream."""
    import torch

    return torch.Generator().manual_seed(1000 * seed + stream)
