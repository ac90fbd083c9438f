"""DDMNIST's plan (main paper §6.1, appendix C.1): one dataset per seed, one training job per
(group, model, seed), Table 4 and Figure 6; Tables 8 and 9 from the configuration."""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, figure_files, table_files
from symrep.groups import get_group

RUN_KEYS = ("latent_dim", "batch_size", "max_epochs", "patience")


class DDMNISTPlan(ExperimentPlan):
    name = "ddmnist"
    ALLOWED = {
        "groups": ("C4", "D1", "D4"),
        "models": ("cnn", "ours"),
        "c4_augmentation": ("paper", "released"),
    }
    DATASET = "resources/ddmnist/seed{seed}.pt"
    RUN = "results/ddmnist/{group}/{model}/seed{seed}"

    def problems(self):
        """The latent must hold one regular copy of each product group G×G."""
        for group in self.section["groups"]:
            order = get_group(f"{group}x{group}").order
            if self.section["latent_dim"] < order:
                yield (
                    f"latent_dim: {self.section['latent_dim']} is smaller than |{group}x{group}| = {order}, "
                    "the regular representation does not fit"
                )

    def datasets(self):
        return {self.section["dataset"]}

    def dataset_sizes(self) -> dict[str, int]:
        """Pairs per class of each split (the dataset rule's params)."""
        s = self.section
        return {"train": s["train_per_class"], "val": s["val_per_class"], "test": s["test_per_class"]}

    def run_settings(self, group: str, model: str) -> dict:
        """Everything that defines one (group, model) run, and nothing else, so that a config change reruns
        exactly the runs it affects (c4_augmentation only C4's, shifted_task_weight only Ours')."""
        s = self.section
        hyper = s["hyperparameters"][group][model]
        settings = {
            "group": group,
            "model": model,
            "lr": hyper["lr"],
            "lambda": hyper.get("lambda", 0.0),
            "shifted_task_weight": s["shifted_task_weight"] if model == "ours" else 0.0,
            **{key: s[key] for key in RUN_KEYS},
        }
        if group == "C4":
            settings["c4_augmentation"] = s["c4_augmentation"]
        return settings

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(wildcards.group, wildcards.model)

    def metrics(self) -> list[str]:
        """Every run's metrics file, in the order of the configuration's groups, models and seeds."""
        s = self.section
        return [
            f"results/ddmnist/{group}/{model}/seed{seed}/metrics.json"
            for group in s["groups"]
            for model in s["models"]
            for seed in self.seeds
        ]

    def figure6_dataset(self) -> str:
        return self.DATASET.format(seed=self.seeds[0])

    def targets(self):
        return [
            *table_files("table4"),
            *(f"results/ddmnist/accuracy.{ext}" for ext in ("csv", "md", "tex")),
            "results/ddmnist/runs.csv",
            *figure_files("figure6"),
        ]

    def hyperparameter_tables(self):
        return {"table8": self.section["groups"], "table9": self.section["hyperparameters"]}
