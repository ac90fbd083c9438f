"""The ensemble experiments' plans: one per sub-experiment (Nordenfors & Flinth, Gerken & Kessel), each a set
of runs (group, architecture), every run's members trained in blocks (one training job each) and evaluated
together. Imported by workflow/ensembles.smk at parse time, so it imports no torch.

Protocols (docs/ensembles.md, "Protocols"). Nordenfors & Flinth: `released` leaves the OOD images in
[0, 1] and gives ASYM-SYMINIT the released no-op initialisation (all N(0, 1), the law of ASYM-ASYMINIT);
`described` normalises the OOD images like the training data and zeroes ASYM-SYMINIT's corner at
initialisation. Every other run trains the same under both (variant `common`); every evaluation differs.
A training run whose settings equal an earlier-listed or common one's under a protocol is that run
(the released ASYM-SYMINIT is the ASYM-ASYMINIT run). Gerken & Kessel's code is not public: one protocol,
`described`.
"""

from __future__ import annotations

from typing import ClassVar

from symrep.experiments.plan import COMMON, ExperimentPlan, figure_files, one_of, table_files

IMAGE_DATASETS = ("mnist", "fashion_mnist")
COMMON_ALLOWED = {
    "dataset": IMAGE_DATASETS,
    "ood_dataset": ("cifar10", *IMAGE_DATASETS, None),  # None: uniform pixel noise
    "ood_normalization": ("train", "released"),
    "optimizer": ("sgd", "adam"),
    "augmentation": ("random", "full"),
}
#: what defines a run's training besides its group and member network
TRAIN_KEYS = (
    "dataset",
    "seed",
    "train_samples",
    "epochs",
    "augment_before_normalizing",
    "members_per_batch",
    "optimizer",
    "lr",
    "batch_size",
    "augmentation",
)
#: what an evaluation adds to the training's settings
EVAL_KEYS = ("ood_dataset", "ood_normalization", "eval_samples")


class EnsemblePlan(ExperimentPlan):
    """A sub-experiment under `experiments.ensembles`: runs (group, architecture) of `members` members each;
    a run's training lives under its training variant, its evaluation under the evaluation's variant."""

    sub: ClassVar[str]  # the sub-experiment's key, its results folder and the `sub` wildcard
    ARCHITECTURES: ClassVar[tuple[str, ...]]  # the architectures a run may have
    RUN = "results/ensembles/{sub}/{variant}/{group}/{architecture}"
    BLOCK = RUN + "/block{block}"

    def architectures(self) -> list[str]:
        """The configured architectures, in order."""
        raise NotImplementedError

    def spec(self, options: dict, architecture: str) -> dict:
        """The member network of an architecture under `options` (symrep.models.ensemble_cnns.build_member)."""
        raise NotImplementedError

    def draws(self, options: dict) -> dict:
        """Which ensembles are evaluated (symrep.experiments.ensembles.metrics.ensemble_draws)."""
        raise NotImplementedError

    def curve_epochs(self, group: str) -> list[int]:
        """Epochs after which a group's members and whole ensemble are evaluated (0 = initialisation)."""
        return []

    def mean(self, options: dict) -> str:
        """How an ensemble combines its members: the mean of their "logits" or of their "probabilities"."""
        raise NotImplementedError

    def datasets(self):
        return {self.section["dataset"], self.section["ood_dataset"]} - {None}

    def runs(self) -> list[tuple[str, str]]:
        """(group, architecture) of every run, in the configuration's order."""
        return [(g, a) for g in self.section["groups"] for a in self.architectures()]

    def blocks(self) -> list[tuple[int, int]]:
        """[start, stop) member ranges, one per training job."""
        s = self.section
        step = s["members_per_job"]
        return [(a, min(a + step, s["members"])) for a in range(0, s["members"], step)]

    # --- settings ---------------------------------------------------------------------------------------

    def training(self, options: dict, group: str, architecture: str) -> dict:
        """What defines a run's training under `options` (not its name: two architectures that train the
        same network are one training run)."""
        return {
            "group": group,
            "spec": self.spec(options, architecture),
            **{key: options[key] for key in TRAIN_KEYS},
        }

    def evaluation(self, options: dict, group: str, architecture: str) -> dict:
        """What defines a run's evaluation under `options`: its training and how it is evaluated."""
        return {
            **self.training(options, group, architecture),
            "architecture": architecture,
            **{key: options[key] for key in EVAL_KEYS},
            **self.draws(options),
            "mean": self.mean(options),
            "curve_epochs": self.curve_epochs(group),
            "chunk": options["eval_chunk"],
        }

    def protocol_of(self, variant: str) -> str:
        """The protocol whose options a variant's runs use (a common run's: any)."""
        return next(iter(self.section["protocol_options"])) if variant == COMMON else variant

    def training_run(self, protocol: str, group: str, architecture: str) -> tuple[str, str]:
        """(variant, architecture) of the training run behind `architecture` under `protocol`: among the
        architectures that train the same network under it, a common one, else the first listed."""

        def settings(a):
            return lambda options: self.training(options, group, a)

        mine = settings(architecture)(self.options(protocol))
        same = [a for a in self.architectures() if settings(a)(self.options(protocol)) == mine]
        variants = {a: self.variant(protocol, settings(a)) for a in same}
        chosen = min(same, key=lambda a: (variants[a] != COMMON, same.index(a)))
        return variants[chosen], chosen

    def train_settings(self, wildcards) -> dict:
        """One training job: a block of members of one training run."""
        options = self.variant_options(wildcards.variant)
        return {
            **self.training(options, wildcards.group, wildcards.architecture),
            "members": list(self.blocks()[int(wildcards.block)]),
            "val_samples": options["eval_samples"],
            "keep_epochs": bool(self.curve_epochs(wildcards.group)),
        }

    def eval_settings(self, wildcards) -> dict:
        """One run's evaluation under its variant."""
        return self.evaluation(
            self.variant_options(wildcards.variant), wildcards.group, wildcards.architecture
        )

    def weights(self, wildcards) -> list[str]:
        """Every block's weights of the training run an evaluation reads."""
        variant, architecture = self.training_run(
            self.protocol_of(wildcards.variant), wildcards.group, wildcards.architecture
        )
        run = {"sub": self.sub, "variant": variant, "group": wildcards.group, "architecture": architecture}
        return [f"{self.BLOCK.format(**run, block=b)}/weights.pt" for b in range(len(self.blocks()))]

    # --- outputs ----------------------------------------------------------------------------------------

    def evaluation_runs(self, groups: list[str] | None = None) -> list[list[str]]:
        """[protocol, evaluation file] of every run each protocol shows (of `groups` only, if given)."""
        out = []
        for protocol in self.protocols():
            for g, a in self.runs():
                if groups is None or g in groups:
                    variant = self.variant(protocol, lambda o, g=g, a=a: self.evaluation(o, g, a))
                    path = self.RUN.format(sub=self.sub, variant=variant, group=g, architecture=a)
                    out.append([protocol, f"{path}/evaluation.csv"])
        return out

    def evaluations(self, groups: list[str] | None = None) -> list[str]:
        """Every evaluation file, once."""
        return list(dict.fromkeys(f for _, f in self.evaluation_runs(groups)))


class NordenforsFlinthPlan(EnsemblePlan):
    """Nordenfors & Flinth (poster): MNIST, CNNs whose filter support satisfies (cnn, sym) or violates (asym)
    the invariance condition, ASYM initialised symmetrically or not; Figure 8 (ensemble size), Figure 9
    (epochs) and the poster's claims."""

    name = "ensembles.nordenfors_flinth"
    sub = "nordenfors_flinth"
    #: architecture -> filter support
    SUPPORT = {"cnn": "cnn", "sym": "sym", "asym_syminit": "asym", "asym_asyminit": "asym"}
    ALLOWED = {
        **COMMON_ALLOWED,
        "groups": ("C4", "C16"),
        "architectures": tuple(SUPPORT),
        "protocols": ("released", "described"),
        "asym_syminit": ("normal", "symmetric"),
        "epoch_curve_groups": ("C4", "C16"),
    }
    ARCHITECTURES = ALLOWED["architectures"]
    SUMMARY = "results/ensembles/nordenfors_flinth/summary.csv"
    CLAIMS = "results/ensembles/nordenfors_flinth/claims.csv"

    def problems(self):
        s = self.section
        for size in s["ensemble_sizes"]:
            if size > s["members"]:
                yield f"ensemble size {size} exceeds the {s['members']} trained members"
        for group in s["epoch_curve_groups"]:
            if group not in s["groups"]:
                yield f"epoch_curve_groups names {group}, which is not in groups"

    def architectures(self):
        return list(self.section["architectures"])

    def spec(self, options, architecture):
        return {
            "model": "support_cnn",
            "support": self.SUPPORT[architecture],
            "channels": options["channels"],
            "init": options["asym_syminit"] if architecture == "asym_syminit" else "normal",
        }

    def draws(self, options):
        return {
            "sizes": list(options["ensemble_sizes"]),
            "draw": "bootstrap",
            "bootstraps": options["bootstraps"],
        }

    def curve_epochs(self, group):
        s = self.section
        return list(range(s["epochs"] + 1)) if group in s["epoch_curve_groups"] else []

    def mean(self, options):
        return "logits"

    def evaluation(self, options, group, architecture):
        return {**super().evaluation(options, group, architecture), "curve_samples": options["curve_samples"]}

    def curve_runs(self) -> list[list[str]]:
        """Figure 9's inputs: [protocol, evaluation file] of the runs evaluated after every epoch."""
        return self.evaluation_runs(self.section["epoch_curve_groups"])

    def targets(self):
        return [
            *figure_files("figure8"),
            *(figure_files("figure9") if self.section["epoch_curve_groups"] else []),
            self.SUMMARY,
            self.CLAIMS,
            *(f"results/ensembles/nordenfors_flinth/claim_cases.{e}" for e in ("csv", "md", "tex")),
        ]

    def claim_files(self):
        return [self.CLAIMS]


class GerkenKesselPlan(EnsemblePlan):
    """Gerken & Kessel (talk): rotated Fashion-MNIST, one CNN; Table 11 (OSP out of distribution of deep
    ensembles vs their members)."""

    name = "ensembles.gerken_kessel"
    sub = "gerken_kessel"
    ALLOWED = {
        **COMMON_ALLOWED,
        "groups": ("C4", "C8", "C16"),
        "protocols": ("described",),
        "ensemble_mean": ("logits", "probabilities"),
    }
    ARCHITECTURES = ("cnn",)  # the talk's one architecture
    VERDICTS = "results/verdicts/table11.csv"

    def problems(self):
        s = self.section
        size, pool = s["ensemble_size"], s["members"]
        if pool != size and pool < 2 * size:
            yield (
                f"members: a pool of {pool} holds no two independent ensembles of {size}; train exactly "
                f"{size} (one ensemble, no spread) or at least {2 * size}"
            )

    def architectures(self):
        return list(self.ARCHITECTURES)

    def spec(self, options, architecture):
        return {"model": "plain_cnn", "channels": options["channels"], "hidden": options["hidden"]}

    def draws(self, options):
        return {"sizes": [options["ensemble_size"]], "draw": "disjoint"}

    def mean(self, options):
        return options["ensemble_mean"]

    def targets(self):
        return [*table_files("table11"), self.VERDICTS, "results/ensembles/gerken_kessel/accuracy.csv"]

    def verdict_files(self):
        return [self.VERDICTS]


SUB_EXPERIMENTS = (NordenforsFlinthPlan, GerkenKesselPlan)


# the wildcard constraints of the rules both sub-experiments share: exactly the values their plans allow
WILDCARDS = {
    "sub": one_of(plan.sub for plan in SUB_EXPERIMENTS),
    "variant": one_of(
        dict.fromkeys([p for plan in SUB_EXPERIMENTS for p in plan.ALLOWED["protocols"]] + [COMMON])
    ),
    "group": one_of(dict.fromkeys(g for plan in SUB_EXPERIMENTS for g in plan.ALLOWED["groups"])),
    "architecture": one_of(dict.fromkeys(a for plan in SUB_EXPERIMENTS for a in plan.ARCHITECTURES)),
}
