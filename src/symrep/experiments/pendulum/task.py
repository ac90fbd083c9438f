"""Training a dynamics model on trajectory chunks (the released code's Integrated{ODE,Dynamics}Trainer).

One step integrates the model's dynamics from the first state of each chunk of the batch over the chunk's
times (dopri5 at the settings' rtol/atol) and takes Adam's step on the MSE between the predicted and true
chunk (every state and coordinate, the first included). The learning rate is piecewise constant: `lr`
times `factors[i]` from epoch `milestones[i]` on (the released Scalars scripts; constant for the MLPs).
The gradient backpropagates through the solver's steps, or (`gradients: adjoint`) comes from the adjoint
ODE as JAX's `odeint` computes it for the released code.
"""

from __future__ import annotations

import torch

from symrep.experiments.pendulum.models import Dynamics
from symrep.experiments.pendulum.ode import odeint, odeint_adjoint


def learning_rate(settings: dict, epoch: int) -> float:
    """The learning rate of 0-based `epoch`."""
    factor = 1.0
    for milestone, f in zip(settings["milestones"], settings["factors"]):
        if epoch >= milestone:
            factor = f
    return settings["lr"] * factor


class DynamicsTask:
    """The TrainingTask (symrep.training) of one model on the chunks of one dataset."""

    scheduler = None  # the learning rate is set from the epoch each time (resumes without state)

    def __init__(self, dynamics: Dynamics, data: dict, settings: dict):
        self.model, self.settings = dynamics, settings
        self.optimizer = torch.optim.Adam(dynamics.parameters(), lr=settings["lr"])
        self.train, self.val, self.times = data["train"], data["val"], data["chunk_times"]
        self.last_val: dict[str, float] = {}

    def rollout(self, z0: torch.Tensor, times: torch.Tensor, stats: dict | None = None) -> torch.Tensor:
        s = self.settings
        adjoint = s.get("gradients") == "adjoint" and torch.is_grad_enabled()
        solve = odeint_adjoint if adjoint else odeint
        return solve(self.model, z0, times, rtol=s["rtol"], atol=s["atol"], stats=stats)

    def chunk_mse(self, chunks: torch.Tensor, stats: dict | None = None) -> torch.Tensor:
        return (self.rollout(chunks[:, 0], self.times, stats) - chunks).pow(2).mean()

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]:
        lr = learning_rate(self.settings, epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        order = torch.randperm(len(self.train), generator=rng)
        total, steps = 0.0, 0
        for idx in order.split(self.settings["batch_size"]):
            stats: dict = {}
            loss = self.chunk_mse(self.train[idx], stats)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            total += float(loss.detach()) * len(idx)
            steps += stats["steps"]
        return {"train_mse": total / len(self.train), "lr": lr, "solver_steps": steps}

    def validate(self, epoch: int) -> dict[str, float]:
        """MSE on the validation chunks every `val_every` epochs and at the last; in between the last
        measurement is repeated, with the epoch it was measured at (`val_epoch`)."""
        every, last = self.settings["val_every"], self.settings["epochs"] - 1
        if not self.last_val or (epoch + 1) % every == 0 or epoch == last:
            self.last_val = {"val_mse": float(self.chunk_mse(self.val)), "val_epoch": epoch + 1}
        return dict(self.last_val)

    def state_dict(self) -> dict:
        return {"last_val": self.last_val}

    def load_state_dict(self, state: dict) -> None:
        self.last_val = dict(state["last_val"])
