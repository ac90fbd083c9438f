"""MedMNIST3D's training task: the paired classification task with two copies of the cube group's regular
representation on the 8c-dim latent, and medmnist's own test metrics.

"ours" adds the latent equivariance loss (λ from Table 10) and CE on x2; the CNNs train on x1 alone
(`plan.TASK_WEIGHTS`). Validation is one fixed draw of turned pairs (`val_draw: fixed`) or a fresh draw
before every epoch's validation (`per_epoch`, as the released code's validation Dataset).
"""

from __future__ import annotations

import torch
from medmnist import INFO
from medmnist.evaluator import getACC, getAUC

from symrep.experiments.medmnist3d.data import CUBE, VolumePairs
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.models.resnet3d import CubeResNet3D
from symrep.representations import latent_representation


class RedrawnValidationTask(PairedClassificationTask):
    """The paired task validating on pairs drawn afresh from `val_source` with `val_rng` before every
    epoch's validation (the released code rotates validation volumes in its Dataset's `__getitem__`). The
    generator's state is checkpointed with the task, so a resumed run draws as an uninterrupted one; the
    first epoch's draw is the `fixed` draw."""

    def __init__(self, model: CubeResNet3D, *, val_source: VolumePairs, val_rng: torch.Generator, **kwargs):
        super().__init__(model, val=None, **kwargs)
        self.val_source, self.val_rng = val_source, val_rng

    def validate(self, epoch: int) -> dict[str, float]:
        self.val = EvalSet.transformed(self.val_source, self.val_rng)
        return super().validate(epoch)

    def state_dict(self) -> dict:
        return {"val_rng": self.val_rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.val_rng.set_state(state["val_rng"])


def make_model(settings: dict, flag: str, device: torch.device) -> CubeResNet3D:
    """The 3D ResNet of width c = `channels` with one output per class of medmnist dataset `flag`."""
    return CubeResNet3D(len(INFO[flag]["label"]), settings["channels"]).to(device)


def make_task(
    settings: dict, model: CubeResNet3D, train: VolumePairs, val: VolumePairs, val_rng: torch.Generator
) -> PairedClassificationTask:
    """The run's task; validation pairs from `val` drawn with `val_rng` once or every epoch (`val_draw`)."""
    common = {
        "train": train,
        "rho": latent_representation(CUBE, model.latent_dim),
        "weights": LossWeights(*settings["task_weights"], settings["lambda"]),
        "lr": settings["lr"],
        "batch_size": settings["batch_size"],
        "label_action": train.label_table,
        "mixed_precision": settings["mixed_precision"],
    }
    if settings["val_draw"] == "per_epoch":
        return RedrawnValidationTask(model, val_source=val, val_rng=val_rng, **common)
    return PairedClassificationTask(model, val=EvalSet.transformed(val, val_rng), **common)


@torch.no_grad()
def medmnist_scores(model: torch.nn.Module, data: EvalSet, flag: str, batch_size: int) -> dict[str, float]:
    """Accuracy and AUC of softmax scores with medmnist's evaluator functions (as its `Evaluator`)."""
    model.eval()
    scores = torch.cat([model(x).float().softmax(1) for x in data.x1.split(batch_size)]).cpu().numpy()
    y = data.y.cpu().numpy()
    task = INFO[flag]["task"]
    return {"acc": float(getACC(y, scores, task)), "auc": float(getAUC(y, scores, task))}
