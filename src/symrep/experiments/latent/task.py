"""Learned latent representations (main paper §4, appendix B): a network co-trains learnable
generator matrices of a finite group's action on its latent space.

Loss (protocols §1): task + λ_decoder · task-loss(head(ρ(g) E(x1)), g·target)
+ λ_latent · MSE(ρ(g) E(x1), E(x2)) + algebra penalty, where ρ(g) is a product of the learned
generator matrices. After training, the learned matrices are analysed with `symrep.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from symrep.analysis import (
    algebra_loss,
    character_table,
    cyclic_eigen_counts,
    irrep_multiplicities,
    matrices_from_generators,
    relation_residuals,
)
from symrep.experiments.latent.data import batches
from symrep.groups import get_group
from symrep.losses import latent_equivariance_loss
from symrep.null_baseline import overall_residual, relative_residuals


@dataclass(frozen=True)
class Spec:
    group: str  # the group whose generators are learned
    network: str  # symrep.models.latent.NETWORKS
    init: str  # initialisation of the learned matrices (the released code's)
    autoencoder: bool  # task loss: MSE to the images (else cross-entropy on the labels)
    task_on_x2: bool  # task loss averaged over x1 and x2 (else x1 only)
    eigen_names: tuple[str, ...] = ()  # cyclic groups: names of the n-th roots of unity, in order
    irrep_names: tuple[str, ...] | None = None  # the table's names of the irreps (None: the analysis')
    network_options: tuple[str, ...] = ()  # settings passed on to the network


SPECS = {
    "tmnist_z2": Spec("C2", "conv_autoencoder", "uniform", True, False, ("+1", "-1")),
    "mnist_d3": Spec(
        "D3", "mlp_autoencoder", "normal", True, True, irrep_names=("trivial", "sign", "standard")
    ),
    "cifar10_c4": Spec(
        "C4", "cifar_classifier", "orthogonal", False, True, ("1", "i", "-1", "-i"), network_options=("head",)
    ),
}


def latent_actions(generators: list[torch.Tensor], n_powers: int) -> torch.Tensor:
    """The latent actions a pair source refers to: powers 1..n_powers of the first generator, then
    the second generator (the reflection of D3) when there is one. Shape (A, d, d)."""
    powers, current = [], generators[0]
    for _ in range(n_powers):
        powers.append(current)
        current = current @ generators[0]
    return torch.stack(powers + list(generators[1:]))


def algebra_penalty(
    spec: Spec, generators: list[torch.Tensor], lambda_algebra: float, lambda_commutation: float = 0.0
) -> torch.Tensor:
    """The algebra loss as trained (protocols §1). Cyclic C_n: λ_W · [MSE(W^n, I) + MSE(W^(n-1), W⁻¹)]
    (the second term is the paper's regulariser, W⁻¹ by a linear solve). D3: λ_W · ½ [MSE(W_r³, I)
    + MSE(W_s², I)] + λ_comm · MSE((W_s W_r)², I)."""
    group = get_group(spec.group)
    residuals = relation_residuals(group, generators)
    if len(generators) == 1:
        w = generators[0]
        eye = torch.eye(w.shape[0], dtype=w.dtype, device=w.device)
        inverse = torch.linalg.solve_ex(
            w, eye, check_errors=False
        ).result  # no host sync; NaN is caught by fit
        return lambda_algebra * (
            residuals.sum() + F.mse_loss(torch.linalg.matrix_power(w, group.order - 1), inverse)
        )
    return lambda_algebra * 0.5 * (residuals[0] + residuals[1]) + lambda_commutation * residuals[2]


def analyse(spec: Spec, generators: list[torch.Tensor]) -> dict:
    """Irreducible content of the learned matrices: multiplicities by the character inner product,
    eigenvalue counts at the n-th roots of unity (cyclic groups), and the presentation's residual:
    `algebra_loss` (the mean over relations of MSE(word(W), I)), `relative_residuals` (per relation,
    ‖word(W) - I‖_F / ‖I‖_F: 1 is as far from I as the zero matrix) and `overall_residual` (their root
    mean square)."""
    group = get_group(spec.group)
    gens = [g.detach().cpu().double() for g in generators]
    table = character_table(group, names=spec.irrep_names)
    residuals = relative_residuals(group, [g.numpy() for g in gens])
    out = {
        "algebra_loss": algebra_loss(group, gens),
        "relative_residuals": residuals,
        "overall_residual": overall_residual(residuals),
        "irreps": irrep_multiplicities(group, matrices_from_generators(group, gens), table),
    }
    if spec.eigen_names:
        out["eigen_counts"] = dict(zip(spec.eigen_names, cyclic_eigen_counts(gens[0], group.order)))
    return out


class LatentTask:
    """A `symrep.training.TrainingTask` for one experiment: `sources` maps 'train'/'val' to pair sources."""

    def __init__(
        self,
        spec: Spec,
        settings: dict,
        model: torch.nn.Module,
        sources: dict,
        *,
        trace_every: int,
        val_generator: torch.Generator,
    ):
        self.spec, self.settings, self.model, self.sources = spec, settings, model, sources
        self.device = next(model.parameters()).device
        self.optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
        self.scheduler = None
        self.n_powers = sources["train"].n_powers
        self.lambda_algebra = float(settings["lambda_algebra"])
        self.trace_every, self.step, self.trace = trace_every, 0, []
        self.val_plan = _on_device(sources["val"].plan(val_generator), self.device)

    # state that must survive a resume, checkpointed by symrep.training.fit
    def state_dict(self) -> dict:
        return {"lambda_algebra": self.lambda_algebra, "step": self.step, "trace": list(self.trace)}

    def load_state_dict(self, state: dict) -> None:
        self.lambda_algebra, self.step, self.trace = (
            state["lambda_algebra"],
            state["step"],
            list(state["trace"]),
        )

    def losses(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        net, gens = self.model.net, self.model.generators()
        actions = latent_actions(gens, self.n_powers)
        z1, z2 = net.features(batch["x1"]), net.features(batch["x2"])
        moved = torch.einsum("bij,bj->bi", actions[batch["action"]], z1)
        out1 = net.head(z1)
        task_loss = F.mse_loss if self.spec.autoencoder else F.cross_entropy
        targets = (batch["x1"], batch["x2"]) if self.spec.autoencoder else (batch["y"], batch["y"])
        task = task_loss(out1, targets[0])
        if self.spec.task_on_x2:
            task = 0.5 * task + 0.5 * task_loss(net.head(z2), targets[1])
        out = {
            "task": task,
            "decoder": task_loss(net.head(moved), targets[1]),
            "latent": latent_equivariance_loss(z1, z2, actions, batch["action"]),
            "algebra": algebra_penalty(
                self.spec, gens, self.lambda_algebra, self.settings.get("lambda_commutation", 0.0)
            ),
        }
        out["loss"] = (
            out["task"]
            + self.settings["lambda_decoder"] * out["decoder"]
            + self.settings["lambda_latent"] * out["latent"]
            + out["algebra"]
        )
        if not self.spec.autoencoder:
            out["accuracy"] = (out1.argmax(1) == batch["y"]).float().mean()
        return out

    def _record(self, epoch: int) -> None:
        w = self.model.generators()[0].detach().cpu().double().numpy()
        self.trace.append((self.step, epoch, np.linalg.eigvals(w)))

    def train_epoch(self, epoch: int, rng: torch.Generator) -> dict[str, float]:
        """One epoch. The random draws are made on the CPU from `rng` in the same order on every device and
        moved to the device once; loss parts are summed there in float64 and read once: no host sync per
        step (but every `trace_every` steps, when the eigenvalues are recorded)."""
        source = self.sources["train"]
        plan = _on_device(source.plan(rng), self.device)
        totals: dict[str, torch.Tensor] = {}
        for idx in batches(len(source), self.settings["batch_size"], rng, self.device):
            if self.step % self.trace_every == 0:
                self._record(epoch)
            parts = self.losses(source.make({k: v[idx] for k, v in plan.items()}))
            self.optimizer.zero_grad()
            parts["loss"].backward()
            self.optimizer.step()
            self.step += 1
            _accumulate(totals, parts, len(idx))
        return {f"train_{k}": float(v) / len(source) for k, v in totals.items()} | {
            "lambda_algebra": self.lambda_algebra
        }

    def end_epoch(self, epoch: int, record: dict[str, float]) -> None:
        """After the epoch's validation (`fit`'s `on_epoch`): adapt λ_W when the settings ask for it."""
        if self.settings.get("adaptive_lambda_algebra"):
            self._adapt_lambda(epoch)

    def _adapt_lambda(self, epoch: int) -> None:
        """The released CIFAR code's schedule (Lightning's `on_train_epoch_end`, which runs after
        validation): λ_W × 1.1 while ‖W^|G| - I‖_F > 0.5 from epoch index 2 on (`current_epoch > 1`),
        × 0.9 (not below its initial value) once it is < 0.2 (W: the cyclic group's generator)."""
        w = self.model.generators()[0].detach()
        power = torch.linalg.matrix_power(w, get_group(self.spec.group).order)
        gap = float(torch.linalg.matrix_norm(power - torch.eye(w.shape[0], device=w.device)))
        if epoch > 1 and gap > 0.5:
            self.lambda_algebra *= 1.1
        elif gap < 0.2:
            self.lambda_algebra = max(self.lambda_algebra * 0.9, float(self.settings["lambda_algebra"]))

    def evaluate(self, source, plan: dict[str, torch.Tensor], batch_size: int = 1000) -> dict[str, float]:
        """Mean of every loss component (and accuracy) over the pairs of `plan`."""
        plan = _on_device(plan, self.device)
        totals: dict[str, torch.Tensor] = {}
        for idx in batches(len(source), batch_size, device=self.device):
            _accumulate(totals, self.losses(source.make({k: v[idx] for k, v in plan.items()})), len(idx))
        return {k: float(v) / len(source) for k, v in totals.items()}

    def validate(self, epoch: int) -> dict[str, float]:
        return {f"val_{k}": v for k, v in self.evaluate(self.sources["val"], self.val_plan).items()}


def _on_device(plan: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device) for k, v in plan.items()}


def _accumulate(totals: dict[str, torch.Tensor], parts: dict[str, torch.Tensor], n: int) -> None:
    """totals[k] += part · n in float64 on the device (the same sums as Python floats of `.item()`)."""
    for k, v in parts.items():
        totals[k] = totals.get(k, 0.0) + v.detach().double() * n
