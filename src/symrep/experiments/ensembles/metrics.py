"""Invariance of members and ensembles from their logits on whole group orbits.

Everything starts from member logits L of shape (P, G, n, C): P members, the G group elements
(index 0 = identity) applied to n inputs, C classes. An ensemble is a weighting of the members
(a row of W, (S, P), rows summing to 1): its logits are the weighted mean of the members' logits
(`mean="logits"`, as Nordenfors & Flinth) or the log of their weighted mean probabilities. Ensembles are
drawn from the trained pool with replacement (Nordenfors & Flinth's bootstrap) or as disjoint, independent
ensembles of distinct members.

Per model and input x: accuracy of argmax f(x); orbit-same-predictions OSP(x) = #{g : argmax f(g·x) =
argmax f(x)} ∈ {1..G} (identity included); DIV(x) = mean over all g (identity included, as the released
code) of KL(p(x)‖p(g·x)) + KL(p(g·x)‖p(x)), p = softmax. Reported values are means over the inputs.
"""

from __future__ import annotations

import torch

METRICS = ("acc", "osp", "div")


def symmetric_kl(logits_a: torch.Tensor, logits_b: torch.Tensor) -> torch.Tensor:
    """Per sample KL(p‖q) + KL(q‖p) of p = softmax(logits_a), q = softmax(logits_b)."""
    la, lb = logits_a.log_softmax(-1), logits_b.log_softmax(-1)
    return ((la.exp() - lb.exp()) * (la - lb)).sum(-1)


def orbit_metric_sums(logits: torch.Tensor, labels: torch.Tensor | None) -> dict[str, torch.Tensor]:
    """Sums over the n inputs of acc, OSP and DIV for models (..., G, n, C); acc is NaN without labels."""
    pred = logits.argmax(-1)  # (..., G, n)
    osp = (pred == pred[..., :1, :]).sum(-2).float()
    div = symmetric_kl(logits[..., :1, :, :].expand_as(logits), logits).mean(-2)
    acc = (pred[..., 0, :] == labels).float() if labels is not None else torch.full_like(osp, float("nan"))
    return {"acc": acc.sum(-1), "osp": osp.sum(-1), "div": div.sum(-1)}


def ensemble_logits(member_logits: torch.Tensor, weights: torch.Tensor, mean: str = "logits") -> torch.Tensor:
    """(P, G, n, C) member logits, (S, P) weights → (S, G, n, C) ensemble logits."""
    if mean == "logits":
        return torch.einsum("sp,pgnc->sgnc", weights, member_logits)
    if mean == "probabilities":
        return torch.einsum("sp,pgnc->sgnc", weights, member_logits.softmax(-1)).clamp_min(1e-30).log()
    raise ValueError(f"mean must be 'logits' or 'probabilities', not {mean!r}")


def bootstrap_weights(pool: int, sizes: list[int], draws: int, generator: torch.Generator) -> torch.Tensor:
    """(len(sizes)·draws, pool) weights of ensembles of `size` members drawn with replacement from the
    pool (Nordenfors & Flinth's bootstrap), size-major order."""
    rows = []
    for size in sizes:
        for _ in range(draws):
            picks = torch.randint(pool, (size,), generator=generator)
            rows.append(torch.bincount(picks, minlength=pool).float() / size)
    return torch.stack(rows)


def disjoint_weights(pool: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """(pool // size, pool) weights of independent ensembles: the pool in a random order, cut into
    ensembles of `size` distinct members that share none (left-over members belong to no ensemble)."""
    order = torch.randperm(pool, generator=generator)
    weights = torch.zeros(pool // size, pool)
    for i in range(pool // size):
        weights[i, order[i * size : (i + 1) * size]] = 1.0 / size
    return weights


def ensemble_draws(
    pool: int, s: dict, generator: torch.Generator
) -> tuple[torch.Tensor, list[int], list[int]]:
    """The ensembles a run evaluates: their (S, pool) weights, sizes and draw numbers. s["draw"]
    "bootstrap": s["bootstraps"] draws with replacement per size in s["sizes"]; "disjoint": as many
    independent ensembles of the one size as the pool holds."""
    if s["draw"] == "bootstrap":
        weights = bootstrap_weights(pool, s["sizes"], s["bootstraps"], generator)
        per_size = s["bootstraps"]
    elif s["draw"] == "disjoint":
        (size,) = s["sizes"]
        weights = disjoint_weights(pool, size, generator)
        per_size = len(weights)
    else:
        raise ValueError(f"draw must be 'bootstrap' or 'disjoint', not {s['draw']!r}")
    return weights, [z for z in s["sizes"] for _ in range(per_size)], list(range(per_size)) * len(s["sizes"])


class OrbitAccumulator:
    """Running sums of the metrics of members and of weighted ensembles over chunks of inputs."""

    def __init__(self, weights: torch.Tensor | None, mean: str = "logits"):
        self.weights, self.mean, self.n = weights, mean, 0
        self.members: dict[str, torch.Tensor] = {}
        self.ensembles: dict[str, torch.Tensor] = {}

    def add(self, member_logits: torch.Tensor, labels: torch.Tensor | None) -> None:
        self._accumulate(self.members, orbit_metric_sums(member_logits, labels))
        if self.weights is not None:
            ens = ensemble_logits(member_logits, self.weights.to(member_logits), self.mean)
            self._accumulate(self.ensembles, orbit_metric_sums(ens, labels))
        self.n += member_logits.shape[2]

    @staticmethod
    def _accumulate(into: dict, sums: dict) -> None:
        for k, v in sums.items():
            into[k] = into[k] + v if k in into else v

    def result(self) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Per-member and per-ensemble means over all inputs added."""
        return (
            {k: v / self.n for k, v in self.members.items()},
            {k: v / self.n for k, v in self.ensembles.items()},
        )
