"""Whether a number of this run reproduces the paper's: the verdict rule, applied cell by cell.

A mean-and-spread cell is **reproduced** when |Δ| ≤ 2·√(σ_run² + σ_paper²), Δ = run − paper and each σ the
standard deviation over seeds that side reports, each raised to a floor: 0.005 for accuracies and AUCs, 1 % of
the paper's value for every other metric (RMSE, MSE, orbit counts); **differs** otherwise. Irreducible counts
are reproduced when every count is within ±1 of the paper's. A run at any scale but `paper` is
**not comparable (quick)**: the verdict is still computed and shown in brackets. A cell without a paper number
says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

REPRODUCED, DIFFERS = "reproduced", "differs"
NO_PAPER = "no paper number"
ABSOLUTE_FLOORS = {"accuracy": 0.005, "auc": 0.005}
RELATIVE_FLOOR = 0.01  # of the paper's value, for metrics without an absolute floor
COUNT_TOLERANCE = 1


@dataclass(frozen=True)
class Verdict:
    outcome: str  # reproduced | differs | no paper number
    delta: float | None = None  # run − paper
    bound: float | None = None  # the largest |Δ| called reproduced
    scale: str = "paper"  # the scale the run was made at

    @property
    def comparable(self) -> bool:
        return self.scale == "paper"

    @property
    def label(self) -> str:
        """What the table shows: the outcome, or at another scale 'not comparable (<scale>) [outcome]'."""
        if self.outcome == NO_PAPER or self.comparable:
            return self.outcome
        return f"not comparable ({self.scale}) [{self.outcome}]"


def floor(kind: str, paper_mean: float) -> float:
    """The smallest σ either side is taken to have for a metric of this kind."""
    return ABSOLUTE_FLOORS.get(kind, RELATIVE_FLOOR * abs(paper_mean))


def mean_verdict(
    run_mean: float, run_std: float, paper_mean: float | None, paper_std: float | None, kind: str, scale: str
) -> Verdict:
    """The rule for a mean (std) cell; `kind` is the metric (accuracy, auc, rmse, mse, osp, ...)."""
    if paper_mean is None or (isinstance(paper_mean, float) and math.isnan(paper_mean)):
        return Verdict(NO_PAPER, scale=scale)
    paper_std = 0.0 if paper_std is None or math.isnan(paper_std) else paper_std
    f = floor(kind, paper_mean)
    bound = 2 * math.hypot(max(run_std, f), max(paper_std, f))
    delta = run_mean - paper_mean
    return Verdict(REPRODUCED if abs(delta) <= bound else DIFFERS, delta, bound, scale=scale)


def count_verdict(run_counts: dict[str, float], paper_counts: dict[str, float], scale: str) -> Verdict:
    """Irreducible content: reproduced when every count is within ±1 of the paper's; Δ is the largest gap."""
    if not paper_counts:
        return Verdict(NO_PAPER, scale=scale)
    gap = max(abs(run_counts[k] - paper_counts[k]) for k in paper_counts)
    outcome = REPRODUCED if gap <= COUNT_TOLERANCE else DIFFERS
    return Verdict(outcome, gap, COUNT_TOLERANCE, scale=scale)
