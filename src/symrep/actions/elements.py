"""Per-sample group elements on a batch as one gather over a precomputed table, without host syncs.

An exact action moves entries: within each block (the trailing dims it acts on, e.g. (H, W) of an
image or (2, H, W) of a vector), output position q of element g reads input position index[g, q],
possibly negated or, at a boundary, replaced by zero. `SignedPermutation.tabulate` reads that table off
the single-element function itself, applied to a probe block that holds 1, 2, …, P, so the table is by
construction the same map, and `apply` performs it on a batch of mixed elements with one `gather`:
pure data movement, bit-identical to calling the single-element function per sample.

Callers build a table once per (element set, block shape, device) and cache it (`functools.lru_cache`).
On the CPU a large batch goes through in chunks of samples (`cpu_chunks`): the per-sample index rows
are then small enough for the allocator to reuse instead of page-faulting fresh memory on every call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch


def is_single(g) -> bool:
    """An int (or a 0-d tensor): one element for the whole batch; else a (B,) tensor of per-sample elements."""
    return not torch.is_tensor(g) or g.dim() == 0


def per_sample(g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Check that ``g`` has one element per sample of ``x`` (along dim 0) and put it on x's device."""
    if g.shape != x.shape[:1]:
        raise ValueError(f"element indices of shape {tuple(g.shape)} for a batch of {x.shape[0]}")
    return g.to(x.device)


#: CPU chunks hold at most this many entries (of x, and so of each per-sample table they index)
CPU_CHUNK_ENTRIES = 2**18


def cpu_chunks(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], g: torch.Tensor, x: torch.Tensor):
    """fn(g, x) for per-sample elements g: one call, or on the CPU one call per chunk of samples (a chunk
    size that depends on shapes only, so no values are read). fn must treat samples independently."""
    per_chunk = max(1, CPU_CHUNK_ENTRIES // max(1, math.prod(x.shape[1:])))
    if x.device.type != "cpu" or x.shape[0] <= per_chunk:
        return fn(g, x)
    return torch.cat([fn(gs, xs) for gs, xs in zip(g.split(per_chunk), x.split(per_chunk))])


@dataclass(frozen=True)
class SignedPermutation:
    """Per element g, a map of blocks of P entries: out[q] = sign[g, q] · in[index[g, q]], or 0 where zero[g, q].

    index: (G, P) int64; sign: (G, P) int8 of ±1, None if no entry is negated; zero: (G, P) bool, None if
    no entry is filled with zero.
    """

    index: torch.Tensor
    sign: torch.Tensor | None
    zero: torch.Tensor | None

    @classmethod
    def tabulate(
        cls, fn: Callable[[int, torch.Tensor], torch.Tensor], elements: Iterable[int], block: tuple[int, ...]
    ) -> SignedPermutation:
        """The table of ``fn(g, x)`` for g in ``elements`` (row i = the i-th element) on blocks of shape ``block``.

        ``fn`` must act on the trailing dims ``block`` by moving entries, negating some or filling some with
        zero, and return a block of the same shape; anything else (interpolation, a changed shape) is an error.
        """
        p = math.prod(block)
        probe = torch.arange(1, p + 1, dtype=torch.float64).reshape(block)
        rows = []
        for g in elements:
            out = fn(g, probe)
            if out.shape != probe.shape:
                raise ValueError(f"element {g} maps blocks {tuple(block)} to {tuple(out.shape)}")
            rows.append(out.reshape(p))
        moved = torch.stack(rows)
        if not (torch.equal(moved, moved.round()) and bool((moved.abs() <= p).all())):
            raise ValueError("the action does not only move, negate or zero entries")
        sign = moved.sign().to(torch.int8)
        index = (moved.abs().long() - 1).clamp_min(0)
        return cls(
            index,
            sign.masked_fill(sign == 0, 1) if bool((sign < 0).any()) else None,
            sign == 0 if bool((sign == 0).any()) else None,
        )

    def to(self, device: torch.device) -> SignedPermutation:
        def move(t):
            return None if t is None else t.to(device)

        return SignedPermutation(move(self.index), move(self.sign), move(self.zero))

    def apply(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Element g[b] on sample x[b] (each of its blocks: the trailing dims, P entries); g a (B,) long tensor
        on x's device with entries in 0..G-1. One gather (per CPU chunk), no host sync."""
        return cpu_chunks(self.gather, g, x)

    def gather(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """`apply` as one gather over the whole batch."""
        b, p = x.shape[0], self.index.shape[1]
        flat = x.reshape(b, math.prod(x.shape[1:]) // p, p)

        def rows(table: torch.Tensor) -> torch.Tensor:  # (B, 1, P): broadcasts over the blocks of a sample
            return table.index_select(0, g).unsqueeze(1)

        out = flat.gather(2, rows(self.index).expand(flat.shape))
        if self.sign is not None:
            out = out.mul_(rows(self.sign).to(out.dtype))
        if self.zero is not None:
            out = out.masked_fill_(rows(self.zero), 0)
        return out.reshape(x.shape)
