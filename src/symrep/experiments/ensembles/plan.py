"""The ensemble experiments' DAG from configuration: runs, member blocks (one training job each) and the
settings each job receives. Imported by workflow/ensembles.smk at parse time, so it imports no torch.

A run is one trained pool of members: "<group>_<architecture>" (Nordenfors & Flinth) or "<group>"
(Gerken & Kessel).
"""

from __future__ import annotations

from symrep.config import ConfigError

SUBEXPERIMENTS = ("nordenfors_flinth", "gerken_kessel")


class EnsemblePlan:
    def __init__(self, config: dict):
        self.config = config
        self.sections = {name: config["experiments"]["ensembles"][name] for name in SUBEXPERIMENTS}
        for name, section in self.enabled().items():
            self._check(name, section)

    def enabled(self) -> dict[str, dict]:
        if not self.config["experiments"]["ensembles"]["enabled"]:
            return {}
        return {name: s for name, s in self.sections.items() if s["enabled"]}

    @staticmethod
    def _check(name: str, s: dict) -> None:
        sizes = s["ensemble_sizes"] if name == "nordenfors_flinth" else [s["ensemble_size"]]
        problems = [
            f"ensemble size {z} exceeds the {s['members']} trained members" for z in sizes if z > s["members"]
        ]
        if name == "nordenfors_flinth":
            problems += [
                f"epoch_curve_groups names {g}, which is not in groups"
                for g in s["epoch_curve_groups"]
                if g not in s["groups"]
            ]
        if problems:
            raise ConfigError(f"experiments.ensembles.{name}: " + "; ".join(problems))

    def ood_dataset(self, name: str) -> str | None:
        return self.sections[name]["ood_dataset"]

    def curve_figure(self) -> dict[str, list[str]]:
        """The per-epoch figure's outputs, if any group is evaluated after every epoch."""
        s = self.sections["nordenfors_flinth"]
        return (
            {"figure9": [f"results/figures/figure9.{e}" for e in ("png", "pdf")]}
            if s["epoch_curve_groups"]
            else {}
        )

    def targets(self) -> list[str]:
        """The final outputs of the enabled sub-experiments."""
        out = []
        if "nordenfors_flinth" in self.enabled():
            out += [f"results/figures/figure8.{e}" for e in ("png", "pdf")] + sum(
                self.curve_figure().values(), []
            )
            out += [f"results/ensembles/nordenfors_flinth/claims.{e}" for e in ("csv", "md", "tex")]
        if "gerken_kessel" in self.enabled():
            out += [f"results/tables/table11.{e}" for e in ("csv", "md", "tex")]
            out += [f"results/ensembles/gerken_kessel/claims.{e}" for e in ("csv", "md", "tex")]
        return out

    def runs(self, name: str) -> list[str]:
        s = self.sections[name]
        if name == "nordenfors_flinth":
            return [f"{g}_{a}" for g in s["groups"] for a in s["architectures"]]
        return list(s["groups"])

    def blocks(self, name: str) -> list[tuple[int, int]]:
        """[start, stop) member ranges, one per training job."""
        s = self.sections[name]
        step = s["members_per_job"]
        return [(a, min(a + step, s["members"])) for a in range(0, s["members"], step)]

    def weights(self, name: str, run: str) -> list[str]:
        return [f"results/ensembles/{name}/{run}/block{b}/weights.pt" for b in range(len(self.blocks(name)))]

    def evaluations(self, name: str) -> list[str]:
        return [f"results/ensembles/{name}/{run}/evaluation.csv" for run in self.runs(name)]

    def _common(self, name: str, run: str) -> dict:
        s = self.sections[name]
        group, _, architecture = run.partition("_")
        if name == "nordenfors_flinth":
            spec = {
                "model": "support_cnn",
                "support": architecture,
                "channels": s["channels"],
                "asym_init": s["asym_init"],
            }
        else:
            spec = {"model": "plain_cnn", "channels": s["channels"], "hidden": s["hidden"]}
        keys = (
            "dataset",
            "ood_dataset",
            "ood_normalization",
            "seed",
            "train_samples",
            "eval_samples",
            "epochs",
            "augment_before_normalizing",
        )
        return {
            "group": group,
            "architecture": architecture or "cnn",
            "spec": spec,
            "members_per_batch": s["members_per_batch"],
            "device": self.config["device"],
            "deterministic": self.config["deterministic"],
            **{k: s[k] for k in keys},
        }

    def curve_epochs(self, name: str, run: str) -> list[int]:
        s = self.sections[name]
        wanted = name == "nordenfors_flinth" and run.partition("_")[0] in s["epoch_curve_groups"]
        return list(range(s["epochs"] + 1)) if wanted else []

    def train_settings(self, name: str, run: str, block: int) -> dict:
        s = self.sections[name]
        keys = ("optimizer", "lr", "batch_size", "augmentation")
        return {
            **self._common(name, run),
            **{k: s[k] for k in keys},
            "members": list(self.blocks(name)[block]),
            "val_samples": s["eval_samples"],
            "keep_epochs": bool(self.curve_epochs(name, run)),
        }

    def eval_settings(self, name: str, run: str) -> dict:
        s = self.sections[name]
        nf = name == "nordenfors_flinth"
        return {
            **self._common(name, run),
            "sizes": list(s["ensemble_sizes"] if nf else [s["ensemble_size"]]),
            "bootstraps": s["bootstraps"],
            "mean": "logits" if nf else s["ensemble_mean"],
            "curve_epochs": self.curve_epochs(name, run),
            "curve_samples": s.get("curve_samples"),
            "chunk": s["eval_chunk"],
        }
