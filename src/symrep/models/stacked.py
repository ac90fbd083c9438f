"""Many independently initialised copies of one architecture, trained as one batched model.

The members' parameters are stacked along a leading member dimension (``torch.func.stack_module_state``);
the forward pass runs ``members_per_batch`` members at a time through ``torch.func.vmap`` (1 = a plain
loop over members, fastest on a CPU). Every operation is per member and element-wise optimisers (SGD,
Adam) act per entry, so each member follows exactly the trajectory it would follow alone.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap


def _key(name: str) -> str:
    return name.replace(".", "__")


class StackedEnsemble(nn.Module):
    """`members` (modules of one architecture) stacked; forward maps (E, B, ...) inputs to (E, B, ...)
    outputs, or shared (B, ...) inputs (``shared=True``) to (E, B, ...)."""

    def __init__(self, members: Sequence[nn.Module], members_per_batch: int = 1):
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if members_per_batch < 1:
            raise ValueError(f"members_per_batch must be at least 1, not {members_per_batch}")
        params, buffers = stack_module_state(list(members))
        self.names = list(params)
        self.stacked = nn.ParameterDict({_key(n): nn.Parameter(p) for n, p in params.items()})
        self.buffers_ = {n: b[0] for n, b in buffers.items()}  # fixed masks, identical across members
        # a parameterless template on the meta device, kept out of the module tree (not trained, not saved)
        self.__dict__["base"] = copy.deepcopy(members[0]).to("meta")
        self.size = len(members)
        self.members_per_batch = members_per_batch

    def _apply(self, fn, recurse=True):
        self.buffers_ = {n: fn(b) for n, b in self.buffers_.items()}
        return super()._apply(fn, recurse)

    def member_params(self, start: int, stop: int) -> dict[str, torch.Tensor]:
        return {n: self.stacked[_key(n)][start:stop] for n in self.names}

    def stacked_state(self) -> dict[str, torch.Tensor]:
        """{member parameter name: (E, ...) tensor}, detached copies on the CPU."""
        return {n: self.stacked[_key(n)].detach().cpu().clone() for n in self.names}

    def load_stacked_state(self, state: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for n in self.names:
                self.stacked[_key(n)].copy_(state[n])

    def _call(self, params: dict, x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.base, (params, self.buffers_), (x,))

    def forward(self, x: torch.Tensor, shared: bool = False) -> torch.Tensor:
        outputs = []
        for start in range(0, self.size, self.members_per_batch):
            stop = min(start + self.members_per_batch, self.size)
            params = self.member_params(start, stop)
            xs = x if shared else x[start:stop]
            if stop - start == 1:
                one = {n: p[0] for n, p in params.items()}
                outputs.append(self._call(one, xs if shared else xs[0]).unsqueeze(0))
            else:
                outputs.append(vmap(self._call, in_dims=(0, None if shared else 0))(params, xs))
        return torch.cat(outputs)
