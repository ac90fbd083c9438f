"""SMOKE's plan (main paper §6.3, appendix C.3): one PhiFlow generation of the rotation set, one training
job per (model, seed), Table 6 and Figures 2 and 7.

Simulation k = 1..N of the rotation set has its inflow on wall j = (k - 1) mod 4 (bottom, right, top,
left); its frames are stored in `resources/smoke/raw_data_{k}_{j}.npy`.
"""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, figure_files, table_files

#: model -> (architecture, loss): "plain" = Wang et al.'s autoregressive loss; "augmented" = the main
#: paper's: the one-step loss on a randomly quarter-turned window beside the unturned one, plus (ours)
#: λ times the equivariance loss of the latent feature map (λ = 0 for cnn_aug)
MODELS = {
    "cnn": ("cnn", "plain"),
    "cnn_aug": ("cnn", "augmented"),
    "mlp": ("mlp", "plain"),
    "ours": ("cnn", "augmented"),
}


def position(k: int) -> int:
    """The wall of simulation k's inflow."""
    return (k - 1) % 4


def rotation_set(n: int) -> list[tuple[int, int]]:
    """(k, j) of the first n simulations of the rotation set (36 in the protocol)."""
    return [(k, position(k)) for k in range(1, n + 1)]


def file_name(k: int, j: int) -> str:
    return f"raw_data_{k}_{j}.npy"


class SmokePlan(ExperimentPlan):
    name = "smoke"
    ALLOWED = {"models": tuple(MODELS)}
    SIMULATIONS = "resources/smoke"
    CHECK = "resources/smoke/symmetry_check.npy"
    CARD = "results/data/smoke.json"
    RUN = "results/smoke/{model}/seed{seed}"

    def problems(self):
        """Every task is a generated simulation, train and Domain are disjoint, and every window fits in
        the simulated frames."""
        s = self.section
        n, frames = s["generator"]["simulations"], s["generator"]["steps"] - 1
        for split, tasks in s["tasks"].items():
            for k, j in tasks:
                if not (1 <= k <= n and j == position(k)):
                    yield f"tasks.{split}: {[k, j]} is not a generated simulation (k in 1..{n}, j = (k - 1) mod 4)"
        overlap = {tuple(t) for t in s["tasks"]["train"]} & {tuple(t) for t in s["tasks"]["test_domain"]}
        if overlap:
            yield f"tasks: {sorted(map(list, overlap))} both in train and test_domain"
        win, tr = s["windows"], s["training"]
        targets = {
            "train": tr["train_steps"],
            "valid": tr["valid_steps"],
            "test_future": tr["test_steps"],
            "test_domain": tr["test_steps"],
        }
        for split, steps in targets.items():
            starts = range(*win[split])
            if not starts:
                yield f"windows.{split}: {win[split]} holds no window"
            elif (last := starts[-1] + win["offset"] + win["input_frames"] + steps - 1) >= frames:
                yield (
                    f"windows.{split}: the last window needs frame {last}, the simulations have frames "
                    f"0..{frames - 1}"
                )

    def rotation_set(self) -> list[tuple[int, int]]:
        """(k, j) of every generated simulation."""
        return rotation_set(self.section["generator"]["simulations"])

    def simulations(self) -> list[str]:
        """Every generated simulation's file, in the order of `rotation_set`."""
        return [f"{self.SIMULATIONS}/{file_name(k, j)}" for k, j in self.rotation_set()]

    def task_files(self, split: str) -> list[str]:
        """The files of one split's simulations (`train` or `test_domain`), in the configuration's order."""
        return [f"{self.SIMULATIONS}/{file_name(k, j)}" for k, j in self.section["tasks"][split]]

    def run_settings(self, model: str) -> dict:
        """Everything a training run of `model` depends on besides its data files and seed: changing any
        other setting leaves the run alone."""
        s = self.section
        architecture, loss = MODELS[model]
        return {
            "model": model,
            "architecture": architecture,
            "loss": loss,
            "network": s["architectures"][architecture],
            "hyperparameters": s["hyperparameters"][model],
            "windows": s["windows"],
            "training": s["training"],
        }

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(wildcards.model)

    def metrics(self) -> list[str]:
        """Every run's metrics file, in the order of the configuration's models and seeds."""
        return [
            f"{self.RUN.format(model=model, seed=seed)}/metrics.json"
            for model in self.section["models"]
            for seed in self.seeds
        ]

    def targets(self):
        return [*table_files("table6"), *figure_files("figure2"), *figure_files("figure7"), self.CARD]
