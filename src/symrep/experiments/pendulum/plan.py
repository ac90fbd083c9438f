"""The double pendulum with springs (Villar's survey talk; Yao, Storey-Fisher, Hogg & Villar's ScalarEMLP,
on EMLP's dataset): one dataset shared by every run, one training job per (dynamics, model, seed), and
the rollout-error table beside the talk's."""

from __future__ import annotations

from symrep.experiments.plan import ExperimentPlan, table_files

DATA_KEYS = (
    "hamiltonian",
    "constants",
    "initial",
    "data_seed",
    "train",
    "val",
    "test",
    "chunk_len",
    "dt",
    "horizon",
    "generator_rtol",
    "generator_atol",
)
RUN_KEYS = ("epochs", "batch_size", "rtol", "atol", "val_every")


class PendulumPlan(ExperimentPlan):
    name = "pendulum"
    ALLOWED = {
        "dynamics": ("node", "hnn"),
        "models": ("scalars", "mlp"),
        "hamiltonian": ("talk", "released"),
        "features": ("talk", "released"),
        "activation": ("relu", "swish"),
    }
    DATASET = "resources/pendulum/trajectories.pt"
    RUN = "results/pendulum/{dynamics}/{model}/seed{seed}"

    def problems(self):
        s = self.section
        for dynamics, models in s["hyperparameters"].items():
            for model, hyper in models.items():
                if len(hyper["milestones"]) != len(hyper["factors"]):
                    yield f"hyperparameters.{dynamics}.{model}: milestones and factors differ in length"
        if round(s["horizon"] / s["dt"]) < s["chunk_len"]:
            yield f"horizon {s['horizon']} holds fewer than chunk_len = {s['chunk_len']} states of dt {s['dt']}"

    def data_settings(self) -> dict:
        """Everything the dataset rule's output depends on."""
        return {key: self.section[key] for key in DATA_KEYS}

    def run_settings(self, dynamics: str, model: str) -> dict:
        """Exactly what defines one (dynamics, model) run: `features` and the radial basis only for Scalars."""
        s = self.section
        settings = {
            "dynamics": dynamics,
            "model": model,
            "architecture": s["architectures"][model],
            **s["hyperparameters"][dynamics][model],
            **{key: s[key] for key in RUN_KEYS},
        }
        if model == "scalars":
            settings["features"] = s["features"]
            settings["rbf_centres"] = s["rbf_centres"][dynamics]
        return settings

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(wildcards.dynamics, wildcards.model)

    def metrics(self) -> list[str]:
        s = self.section
        return [
            f"results/pendulum/{dynamics}/{model}/seed{seed}/metrics.json"
            for dynamics in s["dynamics"]
            for model in s["models"]
            for seed in self.seeds
        ]

    def targets(self):
        return [
            *table_files("pendulum"),
            *(f"results/pendulum/details.{ext}" for ext in ("csv", "md", "tex")),
            "results/pendulum/runs.csv",
            *self.verdict_files(),
        ]

    def verdict_files(self):
        return ["results/verdicts/pendulum.csv"]
