"""SMOKE autoregression (main paper §6.3, appendix C.3): rollouts, their RMSE, the training task.

Predictions are fed back autoregressively (the oldest input frame dropped).
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from symrep.experiments.smoke.action import act, turn_feature_maps
from symrep.experiments.smoke.data import Windows

#: which latents the equivariance loss compares (see `equivariance_loss`)
PAIRS = ("per_sample", "first_vs_all")


def rollout(model, x: torch.Tensor, steps: int) -> torch.Tensor:
    """Predict `steps` frames autoregressively: (B, steps, 2, R, R)."""
    preds = []
    for _ in range(steps):
        y = model(x)
        preds.append(y)
        x = torch.cat([x[:, y.shape[1] :], y], dim=1)
    return torch.stack(preds, dim=1)


@torch.no_grad()
def rollout_rmse(model, windows: Windows, steps: int, batch_size: int) -> float:
    """RMSE as Wang et al.'s eval_epoch computes it: per batch of consecutive windows the MSE averaged over
    steps, then the square root of the unweighted mean over batches (a short last batch counts fully)."""
    mses = []
    for index in torch.arange(len(windows)).split(batch_size):
        x, y = windows.batch(index, steps)
        mses.append(F.mse_loss(rollout(model, x.float(), steps).float(), y).item())
    return float(torch.tensor(mses, dtype=torch.float64).mean().sqrt())


def equivariance_loss(z_turned: torch.Tensor, z_rot: torch.Tensor, pairs: str) -> torch.Tensor:
    """MSE between the turned latents r^k_i · z(x_i) and the latents z(r^k_i · x_i), both (B, C, R, R).

    per_sample: sample i with sample i (§5). first_vs_all: the authors' code, whose `zip` of the turned
    latents (a tensor) with the list [z(r^k · x)] yields one pair, sample 0's turned latent (C, R, R) and
    the whole batch, which `F.mse_loss` broadcasts: the mean over i of MSE(r^k_0 · z(x_0), z(r^k_i · x_i)).
    """
    if pairs == "first_vs_all":
        return F.mse_loss(z_turned[:1].expand_as(z_rot), z_rot)
    if pairs != "per_sample":
        raise ValueError(f"unknown equivariance pairs {pairs!r}; known: {', '.join(PAIRS)}")
    return F.mse_loss(z_turned, z_rot)


class SmokeTask:
    """One SMOKE training run for `fit`: Adam with weight decay, per-epoch exponential learning-rate decay.
    `action` (augmented loss) turns the windows, `pairs` (λ > 0) pairs the latents of the equivariance loss."""

    def __init__(
        self,
        model,
        train: Windows,
        valid: Windows,
        *,
        loss: str,
        lam: float,
        lr: float,
        lr_decay: float,
        weight_decay: float,
        batch_size: int,
        train_steps: int,
        valid_steps: int,
        bf16: bool,
        action: str | None = None,
        pairs: str | None = None,
    ):
        if loss not in ("plain", "augmented"):
            raise ValueError(f"unknown SMOKE loss {loss!r}")
        self.model, self.train, self.valid, self.loss, self.lam = model, train, valid, loss, lam
        self.optimizer = torch.optim.Adam(
            model.parameters(), lr=lr, betas=(0.9, 0.999), weight_decay=weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, step_size=1, gamma=lr_decay)
        self.batch_size, self.train_steps, self.valid_steps = batch_size, train_steps, valid_steps
        self.action, self.pairs, self.bf16 = action, pairs, bf16
        self.device = train.data.device

    def autocast(self):
        if not self.bf16:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)

    def losses(self, x: torch.Tensor, y: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(prediction loss, latent equivariance loss) of one batch; k: per-sample quarter turns."""
        if self.loss == "plain":
            pred = rollout(self.model, x, y.shape[1]).float()
            return sum(F.mse_loss(pred[:, t], y[:, t]) for t in range(y.shape[1])), torch.zeros(
                (), device=x.device
            )
        x_rot, y1_rot = act(k, x, self.action), act(k, y[:, 0], self.action)
        want_latent = self.lam > 0
        out, z = self._first_step(x, want_latent)
        out_rot, z_rot = self._first_step(x_rot, want_latent)
        pred = 0.5 * F.mse_loss(out_rot.float(), y1_rot) + 0.5 * F.mse_loss(out.float(), y[:, 0])
        if y.shape[1] > 1:
            later = rollout(self.model, torch.cat([x[:, 2:], out], dim=1), y.shape[1] - 1).float()
            pred = pred + sum(F.mse_loss(later[:, t], y[:, t + 1]) for t in range(y.shape[1] - 1))
        if not want_latent:
            return pred, torch.zeros((), device=x.device)
        z_turned = turn_feature_maps(k, z.float(), self.action)
        return pred, equivariance_loss(z_turned, z_rot.float(), self.pairs)

    def _first_step(self, x, latent: bool):
        if not latent:
            return self.model(x), None
        z = self.model.features(x)
        return self.model.head(z), z

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]:
        order = torch.randperm(len(self.train), generator=rng)
        turns = torch.randint(0, 4, (len(self.train),), generator=rng)
        pred_sum = torch.zeros((), device=self.device, dtype=torch.float64)
        equi_sum = torch.zeros_like(pred_sum)
        batches = order.split(self.batch_size)
        for index in batches:
            x, y = self.train.batch(index, self.train_steps)
            with self.autocast():
                pred, equi = self.losses(x, y, turns[index].to(self.device))
            self.optimizer.zero_grad(set_to_none=True)
            (pred + self.lam * equi).backward()
            self.optimizer.step()
            pred_sum += pred.detach() / self.train_steps
            equi_sum += equi.detach()
        lr = self.scheduler.get_last_lr()[0]
        self.scheduler.step()
        return {
            "train_rmse": float((pred_sum / len(batches)).sqrt()),
            "equivariance_loss": float(equi_sum / len(batches)),
            "lr": lr,
        }

    def validate(self, epoch: int) -> dict[str, float]:
        return {"val_rmse": rollout_rmse(self.model, self.valid, self.valid_steps, self.batch_size)}
