"""Image inpainting's training task: full-batch Adam on the pixel-wise MSE between the network's output
for the masked image and the clean image (the released `run_exp`: one optimiser step per epoch)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from symrep.experiments.inpainting.data import SIDE
from symrep.models.cluster_equivariant import ClusterEquivariantNet, square_clusters

Pair = tuple[torch.Tensor, torch.Tensor]


def make_model(settings: dict, device: torch.device) -> ClusterEquivariantNet:
    """The 2-layer network whose layers are equivariant to (S_m)^K on square clusters of the grid."""
    clusters = square_clusters(SIDE, settings["cluster_side"])
    return ClusterEquivariantNet(clusters, hidden=settings["hidden"]).to(device)


class InpaintingTask:
    """One epoch = one Adam step on the whole training split; validation = MSE on the validation split."""

    scheduler = None

    def __init__(self, model: torch.nn.Module, fit: Pair, val: Pair, lr: float):
        self.model, self.fit, self.val = model, fit, val
        # fused: the same update in one pass over the parameters; the trivial grouping's epochs (34M
        # parameters) about 1.5x faster on a CPU than with the default (bench/inpainting_throughput.py)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=True)

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]:
        x, y = self.fit
        self.optimizer.zero_grad()
        loss = F.mse_loss(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return {"train_mse": loss.item()}  # before the step, as the released loop reports it

    def validate(self, epoch: int) -> dict[str, float]:
        return {"val_mse": self.mse(self.val)}

    @torch.no_grad()
    def mse(self, pair: Pair) -> float:
        """Mean squared error over every pixel of every image of `pair` (F.mse_loss, as the released code)."""
        self.model.eval()
        x, y = pair
        return F.mse_loss(self.model(x), y).item()
