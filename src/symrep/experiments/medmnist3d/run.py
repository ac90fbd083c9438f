"""MedMNIST3D (main paper §6.2, appendix C.2): the 24 cube rotations on 28³ volumes; CNN, CNN + augmentation
and Ours (two copies of the regular representation on the 48-dim latent); Table 5.

A run is one (dataset, model, seed). "cnn" trains on the volumes as they are; "cnn_aug" on volumes turned by a
random cube rotation; "ours" on pairs (x1 = g0·x, x2 = g·x1, g) with the latent equivariance loss (λ from
Table 10). Validation follows the training distribution (turned volumes for cnn_aug and ours), selection is by
best validation accuracy, and the test set is the un-rotated one, scored with medmnist's own ACC/AUC.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from medmnist import INFO
from medmnist.evaluator import getACC, getAUC

from symrep.actions.cubic import cube_rotate
from symrep.data.loaders import load_dataset
from symrep.experiments.paired_classification import EvalSet, LossWeights, PairedClassificationTask
from symrep.files import environment, fingerprint, save_weights, write_csv, write_json
from symrep.groups import get_group
from symrep.models.common import count_parameters
from symrep.models.resnet3d import CubeResNet3D
from symrep.representations import latent_representation
from symrep.runtime import resolve_device, seed_everything
from symrep.training import EarlyStopping, fit

log = logging.getLogger(__name__)
CUBE = get_group("O")
AUGMENTED = {"cnn": False, "cnn_aug": True, "ours": True}
# OrganMNIST3D's left/right organ pairs (medmnist.INFO labels): kidney, femur, lung.
ORGAN_LEFT_RIGHT = {1: 2, 2: 1, 3: 4, 4: 3, 7: 8, 8: 7}
_EVAL_STREAMS = {"val": 1, "test": 2}


def mirrors_left_right(g: int) -> bool:
    """Our reading of the released code's (disabled) organ-label rule: swap left/right organs when the
    product of the nonzero entries of R_g (a signed permutation) is −1, i.e. an odd axis permutation."""
    r = np.asarray(CUBE.matrices[g])
    return bool(np.prod(r[r != 0]) < 0)


class VolumePairs:
    """One split as a `PairSource` on `device`: volumes uint8 (N, 28, 28, 28) → normalised (B, 1, 28, 28, 28)."""

    def __init__(
        self,
        volumes: np.ndarray,
        labels: np.ndarray,
        device: torch.device,
        *,
        augment: bool,
        convention: str,
        organ_label_remap: bool,
    ):
        self.volumes = torch.as_tensor(volumes).to(device)
        self.labels = torch.as_tensor(labels, dtype=torch.long).to(device)
        self.augment, self.convention = augment, convention
        # (|O|, classes): the label of g·x given the label of x; None when rotations keep every label
        self.label_table = None
        if organ_label_remap:
            swap = torch.arange(int(self.labels.max()) + 1)
            for a, b in ORGAN_LEFT_RIGHT.items():
                if a < len(swap):
                    swap[a] = b
            mirrors = torch.tensor([mirrors_left_right(g) for g in range(CUBE.order)])
            self.label_table = torch.where(mirrors[:, None], swap[None, :], torch.arange(len(swap))).to(
                device
            )

    def __len__(self) -> int:
        return len(self.labels)

    def clean(self, idx: torch.Tensor) -> torch.Tensor:
        """MedMNIST's transform: v / 255, then Normalize(0.5, 0.5)."""
        return (self.volumes[idx].float() / 255 - 0.5).div(0.5).unsqueeze(1)

    def label_action(self) -> torch.Tensor | None:
        """(|O|, classes): the label of g·x given the label of x; None when rotations keep every label."""
        return self.label_table

    def _labels(self, idx: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        y = self.labels[idx]
        return y if self.label_table is None else self.label_table[g, y]

    def batch(self, idx: torch.Tensor, rng: torch.Generator, with_x2: bool):
        device = self.labels.device
        x = self.clean(idx)
        if self.augment:
            g0 = torch.randint(CUBE.order, (len(idx),), generator=rng).to(device)
            x, y = cube_rotate(g0, x, self.convention), self._labels(idx, g0)
        else:
            y = self.labels[idx]
        if not with_x2:
            return x, y, None, None
        g = torch.randint(CUBE.order, (len(idx),), generator=rng).to(device)
        return x, y, cube_rotate(g, x, self.convention), g


def eval_generator(seed: int, split: str) -> torch.Generator:
    return torch.Generator().manual_seed(1000 * seed + _EVAL_STREAMS[split])


@torch.no_grad()
def medmnist_scores(model: torch.nn.Module, data: EvalSet, flag: str, batch_size: int) -> dict[str, float]:
    """Accuracy and AUC of softmax scores with medmnist's evaluator functions (as its `Evaluator`)."""
    model.eval()
    scores = torch.cat([model(x).float().softmax(1) for x in data.x1.split(batch_size)]).cpu().numpy()
    y = data.y.cpu().numpy()
    task = INFO[flag]["task"]
    return {"acc": float(getACC(y, scores, task)), "auc": float(getAUC(y, scores, task))}


def train_run(
    npz: str | Path,
    flag: str,
    settings: dict,
    seed: int,
    *,
    device: str,
    deterministic: bool,
    checkpoint: str | Path,
    metrics: str | Path,
    history: str | Path,
    weights: str | Path,
) -> dict:
    """Train one model on one MedMNIST3D dataset with one seed; write metrics, history and weights."""
    device = resolve_device(device)
    rng = seed_everything(seed, deterministic)
    arrays = load_dataset(flag, [npz])
    n_classes = len(INFO[flag]["label"])

    def split(name: str, augment: bool) -> VolumePairs:
        return VolumePairs(
            arrays[f"{name}_images"],
            arrays[f"{name}_labels"],
            device,
            augment=augment,
            convention=settings["convention"],
            organ_label_remap=settings["organ_label_remap"],
        )

    augment = AUGMENTED[settings["model"]]
    val = EvalSet.transformed(split("val", augment), eval_generator(seed, "val"))
    model = CubeResNet3D(n_classes, settings["channels"]).to(device)
    train = split("train", augment)
    task = PairedClassificationTask(
        model,
        train=train,
        val=val,
        rho=latent_representation(CUBE, model.latent_dim),
        weights=LossWeights(*settings["task_weights"], settings["lambda"]),
        lr=settings["lr"],
        batch_size=settings["batch_size"],
        label_action=train.label_action(),
        mixed_precision=settings["mixed_precision"],
    )
    log.info(
        "MedMNIST3D %s %s seed %d on %s: %d parameters",
        flag,
        settings["model"],
        seed,
        device,
        count_parameters(model),
    )
    result = fit(
        task,
        max_epochs=settings["max_epochs"],
        stopping=EarlyStopping("val_acc", mode="max", patience=settings["patience"]),
        rng=rng,
        checkpoint=checkpoint,
        fingerprint=fingerprint({**settings, "flag": flag, "seed": seed}),
        select="best",
    )
    clean_test = EvalSet.clean(split("test", False))
    test = medmnist_scores(model, clean_test, flag, settings["eval_batch_size"])
    turned = task.evaluate(EvalSet.transformed(split("test", True), eval_generator(seed, "test")))
    out = {
        "dataset": flag,
        "model": settings["model"],
        "seed": seed,
        "params": count_parameters(model),
        "test_acc": test["acc"],
        "test_auc": test["auc"],
        "rotated_test_acc": turned["acc"],
        "rotated_test_equivariance": turned["equivariance"],
        "best_epoch": result.best_epoch + 1,
        "epochs": len(result.history),
        "stopped_early": result.stopped_early,
        "best_val_acc": result.best["val_acc"],
        "train_seconds": sum(h["seconds"] for h in result.history),
        "resumed_from": result.resumed_from,
        "device": str(device),
        "settings": settings,
        "environment": environment(),
    }
    log.info(
        "test accuracy %.4f, AUC %.4f (un-rotated); %.4f on rotated volumes; best epoch %d",
        out["test_acc"],
        out["test_auc"],
        out["rotated_test_acc"],
        out["best_epoch"],
    )
    write_csv(history, result.history)
    save_weights(weights, model, settings=settings, seed=seed)
    write_json(metrics, out)
    return out
