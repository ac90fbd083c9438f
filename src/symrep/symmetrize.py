"""Symmetrisation by group averaging, and orbit statistics of predictions (ensemble experiments).

Actions are callables act(g, x) with g an element index (e.g. ``functools.partial(act_2d, group)``).
"""

from __future__ import annotations

import torch

from symrep.groups import FiniteGroup


def group_average(f, x, group: FiniteGroup, act_in, act_out=None) -> torch.Tensor:
    """Invariant (1/|G|) Σ_g f(g·x) if act_out is None, else equivariant (1/|G|) Σ_g g⁻¹·f(g·x)."""
    outs = []
    for g in range(group.order):
        y = f(act_in(g, x))
        outs.append(y if act_out is None else act_out(group.inverse(g), y))
    return torch.stack(outs).mean(0)


@torch.no_grad()
def orbit_same_predictions(predict_logits, x, group: FiniteGroup, act_in) -> torch.Tensor:
    """Per sample, the number of g (identity included) with argmax f(g·x) == argmax f(x): 1..|G|."""
    ref = predict_logits(x).argmax(-1)
    return sum((predict_logits(act_in(g, x)).argmax(-1) == ref).long() for g in range(group.order))


def symmetric_kl(logits_a: torch.Tensor, logits_b: torch.Tensor) -> torch.Tensor:
    """Per sample KL(p‖q) + KL(q‖p) of p = softmax(logits_a), q = softmax(logits_b)."""
    la, lb = logits_a.log_softmax(-1), logits_b.log_softmax(-1)
    return ((la.exp() - lb.exp()) * (la - lb)).sum(-1)
