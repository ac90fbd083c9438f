"""MedMNIST3D's plan (main paper §6.2, appendix C.2): one training job per (dataset, model, seed) on the
official npz files, Table 5; Table 10 from the configuration."""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, table_files
from symrep.groups import get_group

RUN_KEYS = (
    "channels",
    "batch_size",
    "eval_batch_size",
    "max_epochs",
    "patience",
    "convention",
    "mixed_precision",
)
#: weights of CE(f(x1), y) and CE(f(x2), y2) per model, as the authors' MedMNIST code: the CNNs train on
#: x1 alone, Ours on 0.5/0.5 of both views
TASK_WEIGHTS = {"cnn": (1.0, 0.0), "cnn_aug": (1.0, 0.0), "ours": (0.5, 0.5)}


class MedMNIST3DPlan(ExperimentPlan):
    name = "medmnist3d"
    ALLOWED = {
        "datasets": ("nodulemnist3d", "synapsemnist3d", "organmnist3d"),
        "models": ("cnn", "cnn_aug", "ours"),
        "convention": ("left", "released"),
    }
    RUN = "results/medmnist3d/{dataset}/{model}/seed{seed}"

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

    def run_settings(self, dataset: str, model: str) -> dict:
        """Everything that defines one (dataset, model) run and nothing else: a config change reruns exactly
        the runs it affects (λ only Ours', organ_label_remap only Organ3D's augmented runs)."""
        s = self.section
        hyper = s["hyperparameters"][dataset]
        return {
            "model": model,
            "lr": hyper["lr"],
            "lambda": hyper["lambda"] if model == "ours" else 0.0,
            "task_weights": list(TASK_WEIGHTS[model]),
            "organ_label_remap": s["organ_label_remap"] and dataset == "organmnist3d" and model != "cnn",
            **{key: s[key] for key in RUN_KEYS},
        }

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(wildcards.dataset, wildcards.model)

    def metrics(self) -> list[str]:
        """Every run's metrics file, in the order of the configuration's datasets, models and seeds."""
        s = self.section
        return [
            f"{self.RUN}/metrics.json".format(dataset=dataset, model=model, seed=seed)
            for dataset in s["datasets"]
            for model in s["models"]
            for seed in self.seeds
        ]

    def targets(self):
        return [
            *table_files("table5"),
            *(f"results/medmnist3d/details.{ext}" for ext in ("csv", "md", "tex")),
            "results/medmnist3d/runs.csv",
        ]

    def hyperparameter_tables(self):
        return {"table10": self.section["hyperparameters"]}
