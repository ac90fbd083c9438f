"""DDMNIST's plan (main paper §6.1, appendix C.1): one dataset per seed, one training job per
(variant, group, model, seed), Table 4 and Figure 6; Tables 8 and 9 from the configuration.

Protocols (docs/ddmnist.md): `released` trains Ours without the shifted task loss and adds C4 noise
without the -θ correction, as the authors' code did; `described` follows §5 and appendix C.1. A run whose
settings both protocols share (every CNN run outside C4) is trained once, under the variant `common`.
"""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, figure_files, table_files
from symrep.groups import get_group

RUN_KEYS = ("latent_dim", "batch_size", "max_epochs", "patience")


class DDMNISTPlan(ExperimentPlan):
    name = "ddmnist"
    ALLOWED = {
        "groups": ("C4", "D1", "D4"),
        "models": ("cnn", "ours"),
        "protocols": ("released", "described"),
        "c4_noise": ("rotate_and_back", "rotate_then_rot90"),
    }
    DATASET = "resources/ddmnist/seed{seed}.pt"
    RUN = "results/ddmnist/{variant}/{group}/{model}/seed{seed}"

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

    @staticmethod
    def run_settings(options: dict, group: str, model: str) -> dict:
        """Everything that defines one (group, model) run under a protocol's `options`, and nothing else,
        so that a config change reruns exactly the runs it affects (c4_noise only C4's, shifted_task_weight
        only Ours')."""
        hyper = options["hyperparameters"][group][model]
        settings = {
            "group": group,
            "model": model,
            "lr": hyper["lr"],
            "lambda": hyper.get("lambda", 0.0),
            "shifted_task_weight": options["shifted_task_weight"] if model == "ours" else 0.0,
            **{key: options[key] for key in RUN_KEYS},
        }
        if group == "C4":
            settings["c4_noise"] = options["c4_noise"]
        return settings

    def variant_of(self, protocol: str, group: str, model: str) -> str:
        return self.variant(protocol, lambda options: self.run_settings(options, group, model))

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(self.variant_options(wildcards.variant), wildcards.group, wildcards.model)

    def table_runs(self) -> list[list[str]]:
        """[protocol, metrics file] of every run each protocol's rows aggregate (a common run under each)."""
        combinations = [
            {"group": g, "model": m} for g in self.section["groups"] for m in self.section["models"]
        ]
        return self.protocol_runs(combinations, lambda o, c: self.run_settings(o, **c), self.RUN)

    def metrics(self) -> list[str]:
        """Every run's metrics file, once."""
        return list(dict.fromkeys(file for _, file in self.table_runs()))

    def figure6_noises(self) -> list[list[str]]:
        """[group, noise name] rows of Figure 6: each group once per distinct C4 noise of the protocols run."""
        noises = list(dict.fromkeys(self.options(p)["c4_noise"] for p in self.protocols()))
        return [[g, n] for g in self.section["groups"] for n in (noises if g == "C4" else [None])]

    def figure6_dataset(self) -> str:
        return self.DATASET.format(seed=self.seeds[0])

    def targets(self):
        return [
            *table_files("table4"),
            *(f"results/ddmnist/accuracy.{ext}" for ext in ("csv", "md", "tex")),
            "results/ddmnist/runs.csv",
            "results/verdicts/table4.csv",
            *figure_files("figure6"),
        ]

    def verdict_files(self):
        return ["results/verdicts/table4.csv"]

    def hyperparameter_tables(self):
        return {"table8": self.section["groups"], "table9": self.section["hyperparameters"]}
