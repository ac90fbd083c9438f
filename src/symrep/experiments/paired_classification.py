"""Paired classification with a latent equivariance loss: the training task of DDMNIST and MedMNIST3D.

Each training batch holds pairs (x1, x2 = g·x1, g) from a `PairSource`, re-drawn every epoch. The loss is

    w1·CE(f(x1), y) + w2·CE(f(x2), y) + λ·MSE(ρ(g) E(x1), E(x2))

with E the model's `features` (the latent), f = head ∘ features and ρ a fixed latent representation
(`symrep.losses.latent_equivariance_loss`). λ = 0 and w2 = 0 give the augmented baseline (x2 is then
never computed). Selection: best validation accuracy on transformed inputs (`fit` with
`EarlyStopping("val_acc", mode="max", patience=...)`); evaluation on clean and transformed test inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from symrep.losses import latent_equivariance_loss

EVAL_CHUNK = 256  # samples per forward pass when evaluating (eval mode: no effect on the numbers)


class PairSource(Protocol):
    """A split held on the device: `labels` (N,), clean inputs, and randomly transformed pairs
    (x1, y1, x2, g): y1 is the label of x1 (its sample's label, unless the transformation changes it)."""

    labels: torch.Tensor

    def __len__(self) -> int: ...

    def clean(self, idx: torch.Tensor) -> torch.Tensor: ...

    def batch(
        self, idx: torch.Tensor, rng: torch.Generator, with_x2: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]: ...


@dataclass
class EvalSet:
    """Fixed evaluation inputs x1 with labels y, and (for transformed sets) pairs x2 = g·x1 with g."""

    x1: torch.Tensor
    y: torch.Tensor
    x2: torch.Tensor | None = None
    g: torch.Tensor | None = None

    @classmethod
    def transformed(cls, source: PairSource, rng: torch.Generator) -> EvalSet:
        """One random draw of transformed pairs for every sample of `source`, in order."""
        parts = [source.batch(idx, rng, True) for idx in _chunks(len(source), source.labels.device)]
        x1, y1, x2, g = (torch.cat(p) for p in zip(*parts))
        return cls(x1, y1, x2, g)

    @classmethod
    def clean(cls, source: PairSource) -> EvalSet:
        return cls(
            torch.cat([source.clean(idx) for idx in _chunks(len(source), source.labels.device)]),
            source.labels,
        )


def _chunks(n: int, device: torch.device, size: int = EVAL_CHUNK) -> tuple[torch.Tensor, ...]:
    return torch.arange(n, device=device).split(size)


@dataclass(frozen=True)
class LossWeights:
    """w1 on CE(x1), w2 on CE(x2) (the task loss shifted by g), λ on the latent equivariance loss."""

    x1: float = 1.0
    x2: float = 0.0
    equivariance: float = 0.0

    @property
    def needs_pairs(self) -> bool:
        return self.x2 > 0 or self.equivariance > 0


class PairedClassificationTask:
    """A `symrep.training.TrainingTask`. The model provides `features(x)` (latent) and `head(z)` (logits)."""

    def __init__(
        self,
        model: nn.Module,
        *,
        train: PairSource,
        val: EvalSet,
        rho: torch.Tensor,
        weights: LossWeights,
        lr: float,
        batch_size: int,
        weight_decay: float = 0.0,
        label_action: torch.Tensor | None = None,
        mixed_precision: bool = False,
    ):
        self.model, self.train, self.val, self.weights, self.batch_size = (
            model,
            train,
            val,
            weights,
            batch_size,
        )
        self.rho = rho.to(train.labels.device)
        # (|G|, classes): the label of g·x given the label of x (None: labels are invariant); labels x2 = g·x1
        self.label_action = None if label_action is None else label_action.to(train.labels.device)
        # bf16 autocast on CUDA only (no loss scaling needed); CPUs without AVX-512 BF16 only emulate it.
        self.mixed_precision = mixed_precision and train.labels.device.type == "cuda"
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
        self.scheduler = None

    def loss(
        self, x1: torch.Tensor, y: torch.Tensor, x2: torch.Tensor | None, g: torch.Tensor | None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Total loss and its parts (detached) for one batch."""
        w = self.weights
        z1 = self.model.features(x1)
        logits1 = self.model.head(z1)
        ce1 = F.cross_entropy(logits1, y)
        parts = {"ce": ce1, "correct": (logits1.argmax(1) == y).sum()}
        total = w.x1 * ce1
        if w.needs_pairs:
            z2 = self.model.features(x2)
            if w.x2 > 0:
                y2 = y if self.label_action is None else self.label_action[g, y]
                parts["ce_x2"] = F.cross_entropy(self.model.head(z2), y2)
                total = total + w.x2 * parts["ce_x2"]
            if w.equivariance > 0:
                parts["equivariance"] = latent_equivariance_loss(z1, z2, self.rho, g)
                total = total + w.equivariance * parts["equivariance"]
        parts["loss"] = total
        return total, {k: v.detach() for k, v in parts.items()}

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.mixed_precision)

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]:
        device = self.train.labels.device
        order = torch.randperm(len(self.train), generator=rng).to(device)
        sums: dict[str, torch.Tensor] = {}
        for idx in order.split(self.batch_size):
            x1, y1, x2, g = self.train.batch(idx, rng, self.weights.needs_pairs)
            with self._autocast():
                loss, parts = self.loss(x1, y1, x2, g)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            for key, value in parts.items():
                sums[key] = sums.get(key, 0) + (value if key == "correct" else value * len(idx))
        n = len(self.train)
        metrics = {f"train_{k}": float(v) / n for k, v in sums.items() if k != "correct"}
        metrics["train_acc"] = float(sums["correct"]) / n
        return metrics

    def validate(self, epoch: int) -> dict[str, float]:
        return {f"val_{k}": v for k, v in self.evaluate(self.val).items()}

    @torch.no_grad()
    def evaluate(self, data: EvalSet) -> dict[str, float]:
        """Accuracy and mean CE on x1; for pairs, also the latent equivariance loss (MSE) under ρ and its
        scale-free form Σ‖ρ(g)E(x1) − E(x2)‖² / Σ‖E(x2)‖² (`equivariance_rel`: the latent is taken before a
        BatchNorm, so its scale is free and the MSE alone can shrink without any equivariance)."""
        was_training = self.model.training
        self.model.eval()
        correct, ce, equivariance, error, norm = 0, 0.0, 0.0, 0.0, 0.0
        for idx in _chunks(len(data.y), data.y.device):
            z1 = self.model.features(data.x1[idx])
            logits = self.model.head(z1)
            correct += int((logits.argmax(1) == data.y[idx]).sum())
            ce += float(F.cross_entropy(logits, data.y[idx], reduction="sum"))
            if data.x2 is not None:
                z2 = self.model.features(data.x2[idx])
                equivariance += float(latent_equivariance_loss(z1, z2, self.rho, data.g[idx])) * len(idx)
                moved = torch.einsum("bij,bj->bi", self.rho[data.g[idx]], z1)
                error += float((moved - z2).square().sum())
                norm += float(z2.square().sum())
        self.model.train(was_training)
        n = len(data.y)
        out = {"acc": correct / n, "loss": ce / n}
        if data.x2 is not None:
            out["equivariance"] = equivariance / n
            out["equivariance_rel"] = error / norm if norm > 0 else float("nan")
        return out
