"""Training a block of ensemble members as one batched model, under data augmentation.

Member i's randomness (initialisation, data order, augmentation) comes from its own seed
`member_seed(base, i)` alone, so the same member can be rebuilt and trained alone (tests), and a
batched run is independent of how members are split into jobs and batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from symrep.models.ensemble_cnns import build_member
from symrep.models.stacked import StackedEnsemble


def member_seed(base: int, index: int) -> int:
    """Independent 63-bit seed of member `index` (shared by architectures and groups: paired designs)."""
    return int(np.random.SeedSequence([base, index]).generate_state(2, np.uint64)[0] >> np.uint64(1))


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The generator of one member's data order and augmentation in one epoch (resumable by construction)."""
    state = np.random.SeedSequence([seed, epoch + 1]).generate_state(2, np.uint64)[0] >> np.uint64(1)
    return torch.Generator().manual_seed(int(state))


@dataclass
class TrainingData:
    images: torch.Tensor  # (N, 1, 28, 28) in [0, 1], on the training device
    labels: torch.Tensor  # (N,)
    augment: object  # (g, images) -> normalised transformed images; g an int or an (n,) tensor
    group_order: int


class EnsembleTask:
    """A `symrep.training.TrainingTask` for members `seeds` of one architecture.

    augmentation "random": each time an image is drawn, one uniformly random group element is applied
    (SGD with random augmentation); "full": each drawn image enters the step with its whole orbit
    (|G| transformed copies), so every step's loss is orbit-averaged.
    """

    def __init__(
        self,
        spec: dict,
        seeds: list[int],
        data: TrainingData,
        *,
        optimizer: str,
        lr: float,
        batch_size: int,
        augmentation: str,
        members_per_batch: int,
        device: torch.device,
        validation: tuple[torch.Tensor, torch.Tensor],
    ):
        if augmentation not in ("random", "full"):
            raise ValueError(f"augmentation must be 'random' or 'full', not {augmentation!r}")
        self.seeds, self.data, self.batch_size, self.augmentation = (
            list(seeds),
            data,
            batch_size,
            augmentation,
        )
        self.model = StackedEnsemble([build_member(spec, s) for s in seeds], members_per_batch).to(device)
        optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
        self.optimizer = optimizers[optimizer](self.model.parameters(), lr=lr)
        self.scheduler = None
        self.validation = validation  # normalised images and labels, on the device

    def _epoch_plan(self, epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Per member: the order of the training images and (random augmentation) their group elements."""
        n, order, elements = len(self.data.labels), [], []
        for seed in self.seeds:
            gen = epoch_generator(seed, epoch)
            order.append(torch.randperm(n, generator=gen))
            elements.append(torch.randint(self.data.group_order, (n,), generator=gen))
        device = self.data.images.device
        return torch.stack(order).to(device), torch.stack(elements).to(device)

    def _inputs(self, idx: torch.Tensor, elements: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(E, b) image indices → (E, b', 1, 28, 28) augmented inputs and (E, b') labels."""
        e, b = idx.shape
        x, y = self.data.images[idx].flatten(0, 1), self.data.labels[idx]
        if self.augmentation == "random":
            return self.data.augment(elements.flatten(), x).view(e, b, *x.shape[1:]), y
        orbit = torch.stack([self.data.augment(g, x) for g in range(self.data.group_order)], 1)
        return orbit.view(e, b * self.data.group_order, *x.shape[1:]), y.repeat_interleave(
            self.data.group_order, 1
        )

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]:
        order, elements = self._epoch_plan(epoch)
        total, steps = torch.zeros(len(self.seeds), device=order.device), 0
        for start in range(0, order.shape[1], self.batch_size):
            idx = order[:, start : start + self.batch_size]
            x, y = self._inputs(idx, elements.gather(1, idx) if self.augmentation == "random" else None)
            logits = self.model(x)  # (E, b, classes)
            per_member = (
                F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(y.shape).mean(1)
            )
            self.optimizer.zero_grad(set_to_none=True)
            per_member.sum().backward()  # member e's gradient is that of its own mean loss
            self.optimizer.step()
            total += per_member.detach()
            steps += 1
        return {"train_loss": float(total.mean()) / steps}

    def validate(self, epoch: int) -> dict[str, float]:
        x, y = self.validation
        correct = torch.zeros(len(self.seeds), device=x.device)
        for start in range(0, len(y), 1000):
            logits = self.model(x[start : start + 1000], shared=True)
            correct += (logits.argmax(-1) == y[start : start + 1000]).float().sum(1)
        accuracy = correct / len(y)
        return {"val_acc": float(accuracy.mean()), "val_acc_min": float(accuracy.min())}
