"""MedMNIST3D's plan (main paper §6.2, appendix C.2): one training job per (variant, dataset, model, seed) on
the official npz files, Table 5; Table 10 from the configuration.

Protocols (docs/medmnist3d.md, "Protocols"): `released` turns volumes as the authors' code, x(R_g p), and
draws the validation rotations afresh every epoch; `described` turns them by a true left action
x(R_g⁻¹ p) and validates on one fixed draw. The CNN without augmentation turns no training or validation
volume, so its runs are the same under both: variant `common`.
"""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, table_files
from symrep.groups import get_group

RUN_KEYS = ("channels", "batch_size", "eval_batch_size", "max_epochs", "patience", "mixed_precision")
#: whether a model's training and validation volumes are turned by a random cube rotation
AUGMENTED = {"cnn": False, "cnn_aug": True, "ours": True}
#: weights of CE(f(x1), y) and CE(f(x2), y2) per model, as the authors' MedMNIST code: the CNNs train on
#: x1 alone, Ours on 0.5/0.5 of both views
TASK_WEIGHTS = {"cnn": (1.0, 0.0), "cnn_aug": (1.0, 0.0), "ours": (0.5, 0.5)}


class MedMNIST3DPlan(ExperimentPlan):
    name = "medmnist3d"
    ALLOWED = {
        "datasets": ("nodulemnist3d", "synapsemnist3d", "organmnist3d"),
        "models": ("cnn", "cnn_aug", "ours"),
        "protocols": ("released", "described"),
        "convention": ("left", "released"),
        "val_draw": ("fixed", "per_epoch"),
    }
    RUN = "results/medmnist3d/{variant}/{dataset}/{model}/seed{seed}"
    VERDICTS = "results/verdicts/table5.csv"

    def problems(self):
        """The 8c-dim latent must hold a whole number of copies of the cube group's regular representation,
        and every dataset needs its Table 10 hyperparameters."""
        s = self.section
        order, latent = get_group("O").order, 8 * s["channels"]
        if latent % order:
            yield (
                f"channels: the latent 8c = {latent} is not a multiple of |O| = {order} "
                "(c = 6 gives two regular copies, as the paper)"
            )
        missing = [d for d in s["datasets"] if d not in s["hyperparameters"]]
        if missing:
            yield f"hyperparameters: no lr/lambda for {missing}"

    def datasets(self):
        return set(self.section["datasets"])

    @staticmethod
    def run_settings(options: dict, dataset: str, model: str) -> dict:
        """Everything that defines one (dataset, model) run under a protocol's `options` and nothing else:
        a config change reruns exactly the runs it affects (λ only Ours', organ_label_remap only Organ3D's
        augmented runs, the protocol options only the augmented runs). The CNN without augmentation turns
        only its rotated-test diagnostics, by the true (left) action."""
        hyper = options["hyperparameters"][dataset]
        augmented = AUGMENTED[model]
        return {
            "model": model,
            "lr": hyper["lr"],
            "lambda": hyper["lambda"] if model == "ours" else 0.0,
            "task_weights": list(TASK_WEIGHTS[model]),
            "organ_label_remap": options["organ_label_remap"] and dataset == "organmnist3d" and augmented,
            "convention": options["convention"] if augmented else "left",
            "val_draw": options["val_draw"] if augmented else "fixed",
            **{key: options[key] for key in RUN_KEYS},
        }

    def variant_of(self, protocol: str, dataset: str, model: str) -> str:
        return self.variant(protocol, lambda options: self.run_settings(options, dataset, model))

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(self.variant_options(wildcards.variant), wildcards.dataset, wildcards.model)

    def table_runs(self) -> list[list[str]]:
        """[protocol, metrics file] of every run each protocol's rows aggregate (a common run under each)."""
        s = self.section
        combinations = [{"dataset": d, "model": m} for d in s["datasets"] for m in s["models"]]
        return self.protocol_runs(combinations, lambda o, c: self.run_settings(o, **c), self.RUN)

    def metrics(self) -> list[str]:
        """Every run's metrics file, once."""
        return list(dict.fromkeys(file for _, file in self.table_runs()))

    def targets(self):
        return [
            *table_files("table5"),
            *(f"results/medmnist3d/details.{ext}" for ext in ("csv", "md", "tex")),
            "results/medmnist3d/runs.csv",
            self.VERDICTS,
        ]

    def verdict_files(self):
        return [self.VERDICTS]

    def hyperparameter_tables(self):
        return {"table10": self.section["hyperparameters"]}
