"""MedMNIST3D's training task: the paired classification task with two copies of the cube group's regular
representation on the 8c-dim latent, and medmnist's own test metrics.

"ours" adds the latent equivariance loss (λ from Table 10) and CE on x2; the CNNs train on x1 alone
(`plan.TASK_WEIGHTS`).
"""

from __future__ import annotations

import torch
from medmnist import INFO
from medmnist.evaluator import getACC, getAUC

from symrep.experiments.medmnist3d.data import CUBE, VolumePairs
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.models.resnet3d import CubeResNet3D
from symrep.representations import latent_representation


def make_model(settings: dict, flag: str, device: torch.device) -> CubeResNet3D:
    """The 3D ResNet of width c = `channels` with one output per class of medmnist dataset `flag`."""
    return CubeResNet3D(len(INFO[flag]["label"]), settings["channels"]).to(device)


def make_task(
    settings: dict, model: CubeResNet3D, train: VolumePairs, val: EvalSet
) -> PairedClassificationTask:
    return PairedClassificationTask(
        model,
        train=train,
        val=val,
        rho=latent_representation(CUBE, model.latent_dim),
        weights=LossWeights(*settings["task_weights"], settings["lambda"]),
        lr=settings["lr"],
        batch_size=settings["batch_size"],
        label_action=train.label_table,
        mixed_precision=settings["mixed_precision"],
    )


@torch.no_grad()
def medmnist_scores(model: torch.nn.Module, data: EvalSet, flag: str, batch_size: int) -> dict[str, float]:
    """Accuracy and AUC of softmax scores with medmnist's evaluator functions (as its `Evaluator`)."""
    model.eval()
    scores = torch.cat([model(x).float().softmax(1) for x in data.x1.split(batch_size)]).cpu().numpy()
    y = data.y.cpu().numpy()
    task = INFO[flag]["task"]
    return {"acc": float(getACC(y, scores, task)), "auc": float(getAUC(y, scores, task))}
