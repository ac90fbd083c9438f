"""The ensemble experiments' plans: one per sub-experiment (Nordenfors & Flinth, Gerken & Kessel), each a set
of runs (group, architecture), every run's members trained in blocks (one training job each) and evaluated
together. Imported by workflow/ensembles.smk at parse time, so it imports no torch."""

from __future__ import annotations

from typing import ClassVar

from symrep.experiments.plan import ExperimentPlan, figure_files, one_of, table_files

IMAGE_DATASETS = ("mnist", "fashion_mnist")
COMMON_ALLOWED = {
    "dataset": IMAGE_DATASETS,
    "ood_dataset": ("cifar10", *IMAGE_DATASETS, None),  # None: uniform pixel noise
    "ood_normalization": ("train", "released"),
    "optimizer": ("sgd", "adam"),
    "augmentation": ("random", "full"),
}
RUN_KEYS = (
    "dataset",
    "ood_dataset",
    "ood_normalization",
    "seed",
    "train_samples",
    "eval_samples",
    "epochs",
    "augment_before_normalizing",
    "members_per_batch",
)


class EnsemblePlan(ExperimentPlan):
    """A sub-experiment under `experiments.ensembles`: runs (group, architecture) of `members` members each."""

    sub: ClassVar[str]  # the sub-experiment's key, its results folder and the `sub` wildcard
    ARCHITECTURES: ClassVar[tuple[str, ...]]  # the architectures a run may have
    RUN = "results/ensembles/{sub}/{group}/{architecture}"
    BLOCK = RUN + "/block{block}"

    def architectures(self) -> list[str]:
        """The configured architectures, in order."""
        raise NotImplementedError

    def spec(self, architecture: str) -> dict:
        """The member network of an architecture (symrep.models.ensemble_cnns.build_member)."""
        raise NotImplementedError

    def sizes(self) -> list[int]:
        """Ensemble sizes evaluated (bootstrapped from the members)."""
        raise NotImplementedError

    def curve_epochs(self, group: str) -> list[int]:
        """Epochs after which a group's members and whole ensemble are evaluated (0 = initialisation)."""
        return []

    def mean(self) -> str:
        """How an ensemble combines its members: the mean of their "logits" or of their "probabilities"."""
        raise NotImplementedError

    def problems(self):
        members = self.section["members"]
        for size in self.sizes():
            if size > members:
                yield f"ensemble size {size} exceeds the {members} trained members"

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

    def weights(self, wildcards) -> list[str]:
        """Every block's weights of one run."""
        run = {"sub": self.sub, "group": wildcards.group, "architecture": wildcards.architecture}
        return [f"{self.BLOCK.format(**run, block=b)}/weights.pt" for b in range(len(self.blocks()))]

    def evaluations(self, groups: list[str] | None = None) -> list[str]:
        """The evaluation files of every run (of `groups` only, if given)."""
        return [
            f"{self.RUN.format(sub=self.sub, group=g, architecture=a)}/evaluation.csv"
            for g, a in self.runs()
            if groups is None or g in groups
        ]

    def run_settings(self, group: str, architecture: str) -> dict:
        """What defines a run's training and its evaluation."""
        return {
            "group": group,
            "architecture": architecture,
            "spec": self.spec(architecture),
            **{key: self.section[key] for key in RUN_KEYS},
        }

    def train_settings(self, wildcards) -> dict:
        """One training job: a block of members of one run."""
        s = self.section
        return {
            **self.run_settings(wildcards.group, wildcards.architecture),
            **{key: s[key] for key in ("optimizer", "lr", "batch_size", "augmentation")},
            "members": list(self.blocks()[int(wildcards.block)]),
            "val_samples": s["eval_samples"],
            "keep_epochs": bool(self.curve_epochs(wildcards.group)),
        }

    def eval_settings(self, wildcards) -> dict:
        """One run's evaluation: its members and bootstrapped ensembles."""
        return {
            **self.run_settings(wildcards.group, wildcards.architecture),
            "sizes": self.sizes(),
            "bootstraps": self.section["bootstraps"],
            "mean": self.mean(),
            "curve_epochs": self.curve_epochs(wildcards.group),
            "chunk": self.section["eval_chunk"],
        }


class NordenforsFlinthPlan(EnsemblePlan):
    """Nordenfors & Flinth (poster): MNIST, CNNs whose filter support satisfies (sym) or violates (asym) the
    invariance condition; Figure 8 (ensemble size), Figure 9 (epochs) and the poster's claims."""

    name = "ensembles.nordenfors_flinth"
    sub = "nordenfors_flinth"
    ALLOWED = {
        **COMMON_ALLOWED,
        "groups": ("C4", "C16"),
        "architectures": ("cnn", "sym", "asym"),
        "asym_init": ("symmetric", "released"),
        "epoch_curve_groups": ("C4", "C16"),
    }
    ARCHITECTURES = ALLOWED["architectures"]
    SUMMARY = "results/ensembles/nordenfors_flinth/summary.csv"

    def problems(self):
        yield from super().problems()
        for group in self.section["epoch_curve_groups"]:
            if group not in self.section["groups"]:
                yield f"epoch_curve_groups names {group}, which is not in groups"

    def architectures(self):
        return list(self.section["architectures"])

    def spec(self, architecture):
        s = self.section
        return {
            "model": "support_cnn",
            "support": architecture,
            "channels": s["channels"],
            "asym_init": s["asym_init"],
        }

    def sizes(self):
        return list(self.section["ensemble_sizes"])

    def curve_epochs(self, group):
        s = self.section
        return list(range(s["epochs"] + 1)) if group in s["epoch_curve_groups"] else []

    def mean(self):
        return "logits"

    def eval_settings(self, wildcards):
        return {**super().eval_settings(wildcards), "curve_samples": self.section["curve_samples"]}

    def curve_evaluations(self) -> list[str]:
        """Figure 9's inputs: the runs evaluated after every epoch."""
        return self.evaluations(self.section["epoch_curve_groups"])

    def targets(self):
        return [
            *figure_files("figure8"),
            *(figure_files("figure9") if self.section["epoch_curve_groups"] else []),
            self.SUMMARY,
            *(f"results/ensembles/nordenfors_flinth/claims.{e}" for e in ("csv", "md", "tex")),
        ]


class GerkenKesselPlan(EnsemblePlan):
    """Gerken & Kessel (talk): rotated Fashion-MNIST, one CNN; Table 11 (OSP out of distribution of a deep
    ensemble vs its members) and the talk's claim."""

    name = "ensembles.gerken_kessel"
    sub = "gerken_kessel"
    ALLOWED = {
        **COMMON_ALLOWED,
        "groups": ("C4", "C8", "C16"),
        "ensemble_mean": ("logits", "probabilities"),
    }
    ARCHITECTURES = ("cnn",)  # the talk's one architecture

    def architectures(self):
        return list(self.ARCHITECTURES)

    def spec(self, architecture):
        return {"model": "plain_cnn", "channels": self.section["channels"], "hidden": self.section["hidden"]}

    def sizes(self):
        return [self.section["ensemble_size"]]

    def mean(self):
        return self.section["ensemble_mean"]

    def targets(self):
        return [
            *table_files("table11"),
            *(f"results/ensembles/gerken_kessel/claims.{e}" for e in ("csv", "md", "tex")),
            "results/ensembles/gerken_kessel/accuracy.csv",
        ]


SUB_EXPERIMENTS = (NordenforsFlinthPlan, GerkenKesselPlan)


# the wildcard constraints of the rules both sub-experiments share: exactly the values their plans allow
WILDCARDS = {
    "sub": one_of(plan.sub for plan in SUB_EXPERIMENTS),
    "group": one_of(dict.fromkeys(g for plan in SUB_EXPERIMENTS for g in plan.ALLOWED["groups"])),
    "architecture": one_of(dict.fromkeys(a for plan in SUB_EXPERIMENTS for a in plan.ARCHITECTURES)),
}
