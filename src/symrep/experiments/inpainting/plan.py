"""Image inpainting's plan (Huang, Levie & Villar, NeurIPS 2023, as in Villar's talk): one dataset draw per
(dataset, seed), one training job per (dataset, grouping, seed), one table beside the talk's."""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, table_files

#: grouping -> side of its square clusters on the 28×28 grid ((S_m)^K with m = side², K = (28/side)²)
GROUPINGS = {"S784": 28, "S196x4": 14, "S49x16": 7, "S16x49": 4, "S4x196": 2, "trivial": 1}
DATA_KEYS = ("train_images", "val_fraction", "test_images", "subset_seed")
RUN_KEYS = ("hidden", "lr", "epochs")
N_CLASSES = 10  # stratified draws need an image of every class


class InpaintingPlan(ExperimentPlan):
    name = "inpainting"
    ALLOWED = {"datasets": ("mnist", "fashion_mnist"), "groupings": tuple(GROUPINGS)}
    DATASET = "resources/inpainting/{dataset}/seed{seed}.pt"
    RUN = "results/inpainting/{dataset}/{grouping}/seed{seed}"
    TABLE = "inpainting"

    def __init__(self, config: dict):
        super().__init__(config)
        if self.section["seeds"] is not None:  # the original's 3 runs, whatever the top-level seeds
            self.seeds = list(self.section["seeds"])

    def problems(self):
        s = self.section
        for dataset in s["datasets"]:
            if dataset not in s["per_dataset"]:
                yield f"per_dataset: no mask size and normalisation for dataset '{dataset}'"
        for key in ("train_images", "test_images"):
            if s[key] < N_CLASSES:
                yield f"{key}: {s[key]} cannot hold one image of each of the {N_CLASSES} classes"
        n_val = round(s["train_images"] * s["val_fraction"])
        if not 0 < n_val < s["train_images"]:
            yield f"val_fraction: {s['val_fraction']} of {s['train_images']} leaves no training or validation image"

    def datasets(self):
        return set(self.section["datasets"])

    def dataset_settings(self, wildcards) -> dict:
        """What defines one (dataset, seed) draw (the dataset rule's params; recorded in the file)."""
        s = self.section
        return {
            "dataset": wildcards.dataset,
            **{k: s[k] for k in DATA_KEYS},
            **s["per_dataset"][wildcards.dataset],
        }

    def run_settings(self, dataset: str, grouping: str) -> dict:
        """Everything that defines one (dataset, grouping) run besides its data and seed."""
        s = self.section
        return {
            "dataset": dataset,
            "grouping": grouping,
            "cluster_side": GROUPINGS[grouping],
            **{key: s[key] for key in RUN_KEYS},
        }

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(wildcards.dataset, wildcards.grouping)

    def metrics(self) -> list[str]:
        """Every run's metrics file, in the order of the configuration's datasets, groupings and seeds."""
        s = self.section
        return [
            f"{self.RUN.format(dataset=d, grouping=g, seed=seed)}/metrics.json"
            for d in s["datasets"]
            for g in s["groupings"]
            for seed in self.seeds
        ]

    def targets(self):
        return [*table_files(self.TABLE), "results/inpainting/runs.csv", *self.verdict_files()]

    def verdict_files(self):
        return ["results/verdicts/inpainting.csv"]
