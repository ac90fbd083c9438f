"""The learned latent representations' plan (main paper §4, appendix B): the TMNIST glyphs, one training
job per (variant, run, seed), a null baseline per table, Tables 1-3 with their verdicts and claims, and
Figures 3-5 of the enabled runs; Table 7 from the configuration.

Protocols (docs/latent.md): `released` rotates MNIST by 60° steps without rotating x1, and trains CIFAR-10
as the authors' code did (lr 0.001, double-softmax head, adaptive λ_W, "test" on the training split);
`described` follows the text. TMNIST's runs are the same under both: trained once, under `common`.
"""

from __future__ import annotations

from pathlib import Path

from symrep.data.catalog import DATASETS
from symrep.experiments.plan import ExperimentPlan, figure_files, one_of, table_files

#: the table of each run
TABLES = {"table1": "tmnist_z2", "table2": "mnist_d3", "table3": "cifar10_c4"}
#: paper-scale wall time of one run on one GPU, in minutes (generous), and its memory
RUNTIME = {"tmnist_z2": 60, "mnist_d3": 120, "cifar10_c4": 240}
MEM_MB = {"tmnist_z2": 2000, "mnist_d3": 4000, "cifar10_c4": 8000}


def raw_files(dataset: str) -> list[str]:
    """Paths below resources/raw/ of a catalogue dataset's files (as common.smk's `raw`)."""
    return [f"resources/raw/{a}" for a in DATASETS[dataset]]


class LatentPlan(ExperimentPlan):
    name = "latent"
    ALLOWED = {
        "runs": ("tmnist_z2", "mnist_d3", "cifar10_c4"),
        "protocols": ("released", "described"),
        "tmnist_z2.dataset": ("tmnist_fonts", None),
        "mnist_d3.dataset": ("mnist",),
        "mnist_d3.rotation_degrees": (120, 60),
        "cifar10_c4.dataset": ("cifar10",),
        "cifar10_c4.eval_split": ("test", "train"),
        "cifar10_c4.head": ("linear", "softmax"),
    }
    GLYPHS = "resources/tmnist/glyphs.npz"
    RUN = "results/latent/{variant}/{run}/seed{seed}"
    NULL = "results/latent/null_{table}.csv"
    CLAIMS = "results/latent/claims_{table}.csv"

    @property
    def tmnist(self) -> dict:
        """TMNIST's settings under the first protocol run (Figure 5 draws its pairs with them)."""
        return self.options(self.protocols()[0])["tmnist_z2"]

    def runs(self) -> list[str]:
        """The enabled runs, in the paper's order (none when the experiment is disabled)."""
        if not self.enabled:
            return []
        return [run for run in self.ALLOWED["runs"] if self.section[run]["enabled"]]

    def tables(self) -> list[str]:
        """Tables 1-3 of the enabled runs."""
        return [table for table, run in TABLES.items() if run in self.runs()]

    def figures(self) -> list[str]:
        """Figure 3 (every enabled run), Figure 4 (mnist_d3), Figure 5 (tmnist_z2)."""
        runs = self.runs()
        wanted = {"figure3": bool(runs), "figure4": "mnist_d3" in runs, "figure5": "tmnist_z2" in runs}
        return [figure for figure, enabled in wanted.items() if enabled]

    def problems(self):
        """TMNIST reads either the font files or Kaggle's CSV, and rebuilds only fonts it has files of."""
        if "tmnist_z2" not in self.runs():
            return
        s = self.tmnist
        if (s["dataset"] is None) == (s["tmnist_csv"] is None):
            yield (
                "tmnist_z2: set exactly one of dataset: tmnist_fonts (rebuild the glyphs from the font "
                "files) and tmnist_csv: <path to TMNIST_Data.csv> (then dataset: null)"
            )
        available = {Path(f).stem for f in DATASETS["tmnist_fonts"]}
        if s["dataset"] and set(s["fonts"]) - available:
            yield (
                f"tmnist_z2.fonts: {sorted(set(s['fonts']) - available)} cannot be rebuilt from font "
                f"files (available: {sorted(available)}); use tmnist_csv for other fonts"
            )

    def datasets(self):
        return {self.section[run]["dataset"] for run in self.runs() if self.section[run]["dataset"]}

    # --- the glyphs ---------------------------------------------------------------------------------

    def glyphs_from_csv(self) -> bool:
        return self.tmnist["tmnist_csv"] is not None

    def glyph_sources(self) -> list[str]:
        """Kaggle's CSV when given, else the font files."""
        return [self.tmnist["tmnist_csv"]] if self.glyphs_from_csv() else raw_files("tmnist_fonts")

    # --- training -----------------------------------------------------------------------------------

    @staticmethod
    def run_settings(options: dict, run: str) -> dict:
        """What defines a run under a protocol's `options`: its section with the bundle laid over it."""
        return options[run]

    def variant_of(self, protocol: str, run: str) -> str:
        return self.variant(protocol, lambda options: self.run_settings(options, run))

    def variants(self, run: str) -> list[str]:
        """The distinct variants of `run` over the protocols run, in their order."""
        return list(dict.fromkeys(self.variant_of(p, run) for p in self.protocols()))

    def train_inputs(self, wildcards) -> list[str]:
        """TMNIST's glyphs, or the raw files of the run's dataset."""
        if wildcards.run == "tmnist_z2":
            return [self.GLYPHS]
        return raw_files(self.section[wildcards.run]["dataset"])

    def train_settings(self, wildcards) -> dict:
        """The run's section under its variant's options, as written into its metrics."""
        return self.run_settings(self.variant_options(wildcards.variant), wildcards.run)

    def train_runtime(self, wildcards) -> int:
        return RUNTIME[wildcards.run]

    def train_mem_mb(self, wildcards) -> int:
        return MEM_MB[wildcards.run]

    def run_files(self, run: str, variant: str, name: str) -> list[str]:
        """A file of `run`'s training job under `variant` (e.g. "metrics.json") for every seed."""
        return [f"{self.RUN.format(variant=variant, run=run, seed=seed)}/{name}" for seed in self.seeds]

    # --- tables and figures -------------------------------------------------------------------------

    def table_constraint(self) -> str:
        return one_of(self.tables())

    def table_runs(self, wildcards) -> list[list[str]]:
        """[protocol, metrics file] of every run the table's protocols aggregate (a common run under each)."""
        return self.protocol_runs(
            [{"run": TABLES[wildcards.table]}], lambda o, c: self.run_settings(o, c["run"]), self.RUN
        )

    def table_metrics(self, wildcards) -> list[str]:
        """Every metrics file of the table, once."""
        return list(dict.fromkeys(file for _, file in self.table_runs(wildcards)))

    def null_dim(self, wildcards) -> int:
        """The latent dimension the table's null baseline is drawn in."""
        return self.section[TABLES[wildcards.table]]["latent_dim"]

    def figure3_rows(self) -> list[list[str]]:
        """[run, variant] of every row of Figure 3: each enabled run once per distinct variant."""
        return [[run, variant] for run in self.runs() for variant in self.variants(run)]

    def figure3_weights(self) -> list[str]:
        """The first seed's weights of every row of Figure 3."""
        return [
            f"{self.RUN.format(variant=v, run=run, seed=self.seeds[0])}/weights.pt"
            for run, v in self.figure3_rows()
        ]

    def figure4_files(self, name: str) -> list[str]:
        """mnist_d3's `name` files of every seed, per distinct variant (variant-major)."""
        return [f for v in self.variants("mnist_d3") for f in self.run_files("mnist_d3", v, name)]

    def targets(self):
        return [
            *(f for table in self.tables() for f in table_files(table)),
            *self.verdict_files(),
            *self.claim_files(),
            *(f for figure in self.figures() for f in figure_files(figure)),
        ]

    def verdict_files(self):
        return [f"results/verdicts/{table}.csv" for table in self.tables()]

    def claim_files(self):
        return [self.CLAIMS.format(table=table) for table in self.tables()]

    def hyperparameter_tables(self):
        """Table 7 per protocol run: each protocol's options."""
        return {"table7": {protocol: self.options(protocol) for protocol in self.protocols()}}
