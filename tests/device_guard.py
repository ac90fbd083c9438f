"""A guard against tensors of two devices meeting in one operation, usable without a GPU.

Run code on inputs placed on the `meta` device inside `one_device()`: every torch operation whose tensor
arguments (0-dim CPU scalars and CPU index tensors aside, which CUDA accepts too) sit on different devices
raises, as it would on a GPU where a tensor was left on the CPU. (Some operations silently accept CPU and meta tensors together, so
the mode checks every call itself.)
"""

from __future__ import annotations

import contextlib

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves


class MixedDevicesError(RuntimeError):
    pass


_INDEXING = (torch.Tensor.__getitem__, torch.Tensor.__setitem__)


class _OneDevice(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        checked = args
        if func in _INDEXING and len(args) > 1:  # CUDA takes CPU index tensors (copying them over)
            index = [
                t
                for t in tree_leaves(args[1])
                if not (isinstance(t, torch.Tensor) and t.device.type == "cpu")
            ]
            checked = (args[0], index, *args[2:])
        devices = {
            t.device
            for t in tree_leaves((checked, kwargs))
            if isinstance(t, torch.Tensor) and not (t.device.type == "cpu" and t.dim() == 0)
        }
        if len(devices) > 1:
            raise MixedDevicesError(
                f"{getattr(func, '__name__', func)} mixes tensors on {sorted(map(str, devices))}"
            )
        return func(*args, **kwargs)


@contextlib.contextmanager
def one_device():
    with _OneDevice():
        yield
