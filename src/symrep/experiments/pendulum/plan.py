"""The double pendulum with springs (Villar's survey talk; Yao, Storey-Fisher, Hogg & Villar's ScalarEMLP,
on EMLP's dataset): one dataset per variant, one training job per (variant, dynamics, model, seed), and
the rollout-error table beside the talk's.

Protocols (docs/pendulum.md, Protocols): `released` generates from the code's Hamiltonian (no ½ on the
second spring) and gives Scalars the code's 30 scalars; `described` follows the talk's formulas. The
dataset of a protocol is shared by its runs; a run (or dataset) whose settings every protocol shares is
the variant `common`, made once.
"""

from __future__ import annotations

from symrep.experiments.plan import COMMON, PROTOCOLS, ExperimentPlan, table_files

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
        "protocols": PROTOCOLS,
        "hamiltonian": ("talk", "released"),
        "features": ("talk", "released"),
        "activation": ("relu", "swish"),
        "gradients": ("backprop", "adjoint"),
    }
    DATASET = "resources/pendulum/{variant}/trajectories.pt"
    RUN = "results/pendulum/{variant}/{dynamics}/{model}/seed{seed}"
    TABLE_RUNS = "results/pendulum/runs.csv"

    def problems(self):
        s = self.section
        for dynamics, models in s["hyperparameters"].items():
            for model, hyper in models.items():
                if len(hyper["milestones"]) != len(hyper["factors"]):
                    yield f"hyperparameters.{dynamics}.{model}: milestones and factors differ in length"
        if round(s["horizon"] / s["dt"]) < s["chunk_len"]:
            yield f"horizon {s['horizon']} holds fewer than chunk_len = {s['chunk_len']} states of dt {s['dt']}"

    @staticmethod
    def data_settings(options: dict) -> dict:
        """Everything a dataset depends on, under a protocol's `options`."""
        return {key: options[key] for key in DATA_KEYS}

    @staticmethod
    def run_settings(options: dict, dynamics: str, model: str) -> dict:
        """Exactly what defines one (dynamics, model) run besides its dataset: `features` and the radial
        basis only for Scalars; `gradients` only when adjoint (the runs made before the option existed
        backpropagated, and keep their settings)."""
        settings = {
            "dynamics": dynamics,
            "model": model,
            "architecture": options["architectures"][model],
            **options["hyperparameters"][dynamics][model],
            **{key: options[key] for key in RUN_KEYS},
        }
        if options["gradients"] != "backprop":
            settings["gradients"] = options["gradients"]
        if model == "scalars":
            settings["features"] = options["features"]
            settings["rbf_centres"] = options["rbf_centres"][dynamics]
        return settings

    def _run_and_data(self, options: dict, dynamics: str, model: str) -> dict:
        """What makes two runs the same run: their settings and their dataset's."""
        return {**self.run_settings(options, dynamics, model), "data": self.data_settings(options)}

    def variant_of(self, protocol: str, dynamics: str, model: str) -> str:
        return self.variant(protocol, lambda options: self._run_and_data(options, dynamics, model))

    def data_variant(self, variant: str) -> str:
        """The variant of the dataset a run of `variant` reads: `common` when every protocol's is the same."""
        return COMMON if variant == COMMON else self.variant(variant, self.data_settings)

    def dataset(self, wildcards) -> str:
        return self.DATASET.format(variant=self.data_variant(wildcards.variant))

    def dataset_settings(self, wildcards) -> dict:
        return self.data_settings(self.variant_options(wildcards.variant))

    def train_settings(self, wildcards) -> dict:
        return self.run_settings(self.variant_options(wildcards.variant), wildcards.dynamics, wildcards.model)

    def table_runs(self) -> list[list[str]]:
        """[protocol, metrics file] of every run each protocol's rows aggregate (a common run under each)."""
        s = self.section
        combinations = [{"dynamics": d, "model": m} for d in s["dynamics"] for m in s["models"]]
        return self.protocol_runs(combinations, lambda o, c: self._run_and_data(o, **c), self.RUN)

    def metrics(self) -> list[str]:
        """Every run's metrics file, once."""
        return list(dict.fromkeys(file for _, file in self.table_runs()))

    def targets(self):
        return [
            *table_files("pendulum"),
            *(f"results/pendulum/details.{ext}" for ext in ("csv", "md", "tex")),
            self.TABLE_RUNS,
            *self.verdict_files(),
        ]

    def verdict_files(self):
        return ["results/verdicts/pendulum.csv"]
