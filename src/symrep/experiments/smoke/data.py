"""SMOKE data for training: the stored simulations and the windows the models see.

A window starting at s feeds frames s+offset .. s+offset+input_frames-1 (stacked to 2·input_frames
channels) and targets the following frames. All windows are gathered on the device from the resident
simulations: no per-sample Python in the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def load_simulations(paths) -> np.ndarray:
    """Stack stored simulations into (S, T, 2, R, R) float32, checking they agree in shape."""
    arrays = [np.load(p) for p in paths]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or len(next(iter(shapes))) != 4 or next(iter(shapes))[1] != 2:
        raise ValueError(f"simulation files disagree or are not (T, 2, R, R): {sorted(shapes)}")
    return np.stack(arrays).astype(np.float32, copy=False)


@dataclass
class Windows:
    """Windows into resident simulations data (S, T, 2, R, R): window i = simulation sims[i] from starts[i]."""

    data: torch.Tensor
    sims: torch.Tensor
    starts: torch.Tensor
    input_frames: int
    offset: int

    @classmethod
    def grid(
        cls, data: torch.Tensor, first_stop_step, *, input_frames: int, offset: int, target_frames: int
    ) -> Windows:
        """Every simulation of `data` at starts range(*first_stop_step), checked to fit in its frames."""
        starts = torch.arange(*first_stop_step)
        if len(starts) == 0:
            raise ValueError(f"window range {list(first_stop_step)} holds no window")
        last = int(starts[-1]) + offset + input_frames + target_frames
        if last > data.shape[1]:
            raise ValueError(
                f"window range {list(first_stop_step)} with {target_frames} target frames needs "
                f"{last} frames per simulation, the data has {data.shape[1]}"
            )
        sims = torch.arange(data.shape[0]).repeat_interleave(len(starts))
        return cls(
            data, sims.to(data.device), starts.repeat(data.shape[0]).to(data.device), input_frames, offset
        )

    def __len__(self) -> int:
        return len(self.sims)

    def batch(self, index: torch.Tensor, target_frames: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs (B, 2·input_frames, R, R) and targets (B, target_frames, 2, R, R) of windows `index`."""
        index = index.to(self.sims.device)
        t = (
            self.starts[index, None]
            + self.offset
            + torch.arange(self.input_frames + target_frames, device=index.device)
        )
        frames = self.data[self.sims[index, None], t]
        x = frames[:, : self.input_frames].flatten(1, 2)
        return x, frames[:, self.input_frames :]
