"""SMOKE's plan (main paper §6.3, appendix C.3): one PhiFlow generation of the rotation set, one training
job per (variant, model, seed), Table 6 and Figures 2 and 7.

Simulation k = 1..N of the rotation set has its inflow on wall j = (k - 1) mod 4 (bottom, right, top,
left); its frames are stored in `resources/smoke/raw_data_{k}_{j}.npy`.

Protocols (docs/smoke.md, Protocols): `released` augments with the authors' action, pairs the latents of
Ours' equivariance loss as their code does, tests the last epoch's weights on 20-step rollouts;
`described` augments with the exact turn, pairs each sample with itself, tests the best-validation
weights on 6-step rollouts. The test settings (`EVALUATION`) change no training: a run is trained once
per distinct training settings (the CNN and the MLP under the variant `common`) and evaluated in the same
job under every protocol it serves.
"""

from __future__ import annotations

from symrep.experiments.plan import PROTOCOLS, ExperimentPlan, figure_files, table_files

#: model -> (architecture, loss): "plain" = Wang et al.'s autoregressive loss; "augmented" = the main
#: paper's: the one-step loss on a randomly quarter-turned window beside the unturned one, plus (ours)
#: λ times the equivariance loss of the latent feature map (λ = 0 for cnn_aug)
MODELS = {
    "cnn": ("cnn", "plain"),
    "cnn_aug": ("cnn", "augmented"),
    "mlp": ("mlp", "plain"),
    "ours": ("cnn", "augmented"),
}
EVALUATION = ("test_steps", "tested_weights")  # protocol options that only change the test


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
    ALLOWED = {
        "models": tuple(MODELS),
        "protocols": PROTOCOLS,
        "action": ("staggered", "released"),
        "equivariance_pairs": ("per_sample", "first_vs_all"),
        "tested_weights": ("best", "last"),
    }
    SIMULATIONS = "resources/smoke"
    CHECK = "resources/smoke/symmetry_check.npy"
    CARD = "results/data/smoke.json"
    RUN = "results/smoke/{variant}/{model}/seed{seed}"
    TABLE_RUNS = "results/smoke/runs.csv"
    VERDICTS = "results/verdicts/table6.csv"

    def problems(self):
        """Every task is a generated simulation, train and Domain are disjoint, and every window fits in
        the simulated frames (test windows with the longest rollout of any protocol)."""
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
        test_steps = max(self.options(p)["test_steps"] for p in s["protocol_options"])
        targets = {
            "train": tr["train_steps"],
            "valid": tr["valid_steps"],
            "test_future": test_steps,
            "test_domain": test_steps,
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

    @staticmethod
    def run_settings(options: dict, model: str) -> dict:
        """Everything a training run of `model` depends on under a protocol's `options`, besides its data
        files and seed: the action only for the augmented losses, the latent pairs only where λ > 0, and
        none of the test settings, so that runs trained alike are one run."""
        architecture, loss = MODELS[model]
        hyper = options["hyperparameters"][model]
        settings = {
            "model": model,
            "architecture": architecture,
            "loss": loss,
            "network": options["architectures"][architecture],
            "hyperparameters": hyper,
            "windows": options["windows"],
            "training": options["training"],
        }
        if loss == "augmented":
            settings["action"] = options["action"]
        if hyper.get("lambda", 0.0) > 0:
            settings["equivariance_pairs"] = options["equivariance_pairs"]
        return settings

    def variant_of(self, protocol: str, model: str) -> str:
        return self.variant(protocol, lambda options: self.run_settings(options, model))

    def evaluations(self, variant: str, model: str) -> dict[str, dict]:
        """protocol -> its test settings, for every protocol (run or not) whose run of `model` is `variant`."""
        return {
            p: {key: self.options(p)[key] for key in EVALUATION}
            for p in self.section["protocol_options"]
            if self.variant_of(p, model) == variant
        }

    def train_settings(self, wildcards) -> dict:
        """The training job's settings: the run's, and the test settings of each protocol it serves."""
        settings = self.run_settings(self.variant_options(wildcards.variant), wildcards.model)
        return {**settings, "evaluations": self.evaluations(wildcards.variant, wildcards.model)}

    def table_runs(self) -> list[list[str]]:
        """[protocol, metrics file] of every run each protocol's rows aggregate (a common run under each)."""
        combinations = [{"model": m} for m in self.section["models"]]
        return self.protocol_runs(combinations, lambda o, c: self.run_settings(o, c["model"]), self.RUN)

    def metrics(self) -> list[str]:
        """Every run's metrics file, once."""
        return list(dict.fromkeys(file for _, file in self.table_runs()))

    def figure_actions(self) -> list[list[str]]:
        """[protocol, action] of Figure 7's panels: the described action first (Figures 2 and 7 use it),
        then the released one."""
        return [[p, self.options(p)["action"]] for p in ("described", "released")]

    def targets(self):
        return [
            *table_files("table6"),
            self.TABLE_RUNS,
            self.VERDICTS,
            *figure_files("figure2"),
            *figure_files("figure7"),
            self.CARD,
        ]

    def verdict_files(self):
        return [self.VERDICTS]
