"""Tables 1-3 of the main paper (§4): the irreducible content of the learned latent representations, one
row per run (seed) and protocol, beside the paper's runs and the regular multiple; the verdicts and the
claim that the learned matrices are a multiple of the regular representation.

A learned matrix is read as a representation only when it is one: a run's counts are *interpretable* only
when every relation's relative residual ‖word(W) − I‖_F / ‖I‖_F is below the table's null threshold
(`symrep.null_baseline`, computed once per table by `write_null`); above it, matrices that are no
representation give counts near the regular multiple as well. An interpretable run's counts are judged
against the paper's mean counts and, separately, against the regular multiple (every count within ±1,
`verdicts.count_verdict`); a run that is not interpretable gets "not interpretable (residual ≥ threshold)".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from symrep.experiments.latent.task import SPECS, analyse
from symrep.files import read_json, write_csv
from symrep.groups import get_group
from symrep.null_baseline import null_baseline
from symrep.report.aggregate import aggregate, mean_std
from symrep.report.claims import FAILS, HOLDS, NOT_TESTABLE
from symrep.report.reference import citation, load_reference, reference_frame
from symrep.report.tables import write_table
from symrep.report.verdicts import COUNT_TOLERANCE, Verdict, count_verdict
from symrep.representations import latent_representation

NOT_INTERPRETABLE = "not interpretable"
NOT_INTERPRETABLE_LABEL = f"{NOT_INTERPRETABLE} (residual ≥ threshold)"
VS_PAPER, VS_REGULAR = "counts vs paper", "counts vs regular multiple"


@dataclass(frozen=True)
class TableSpec:
    run: str
    kinds: tuple[str, ...]  # analyses shown: eigen_counts and/or irreps
    judged: str  # the analysis the paper reports, judged by the verdicts and drawn by the null baseline
    extra: tuple[str, ...]  # test metrics shown besides the equivariance loss
    claim: str  # config/reference/claims.yaml
    title: str


TABLES = {
    "table1": TableSpec(
        "tmnist_z2",
        ("eigen_counts", "irreps"),
        "eigen_counts",
        (),
        "latent_regular_tmnist",
        "Table 1: TMNIST autoencoder, Z2 (font swap): eigenvalues of the learned matrix nearest +1 and -1.",
    ),
    "table2": TableSpec(
        "mnist_d3",
        ("irreps",),
        "irreps",
        (),
        "latent_regular_mnist",
        "Table 2: MNIST MLP autoencoder, D3: multiplicities of the trivial, sign "
        "and standard irreducible representations (character inner product).",
    ),
    "table3": TableSpec(
        "cifar10_c4",
        ("eigen_counts", "irreps"),
        "eigen_counts",
        ("accuracy",),
        "latent_regular_cifar",
        "Table 3: CIFAR-10 classifier, C4: eigenvalues of the learned matrix nearest 1, i, -1 and -i.",
    ),
}
COUNT_NAMES = {"eigen_counts": "eigenvalue counts", "irreps": "character multiplicities"}


# --- the null baseline -------------------------------------------------------------------------------


def null_frame(table: str, dim: int) -> pd.DataFrame:
    """The table's null baseline (`symrep.null_baseline`, seed 0, 1000 draws): per residual bin the draws
    and the share of them within ±1 of the regular multiple, and the threshold."""
    spec = TABLES[table]
    group = SPECS[spec.run].group
    null = null_baseline(get_group(group), dim, spec.judged == "eigen_counts")
    which = np.digitize(null.residuals, null.bins) - 1
    return pd.DataFrame(
        {
            "table": table,
            "group": group,
            "dim": dim,
            "counts": COUNT_NAMES[spec.judged],
            "residual_from": null.bins[:-1].round(6),
            "residual_to": null.bins[1:].round(6),
            "draws": np.bincount(which, minlength=len(null.bins))[: len(null.bins) - 1],
            "near_regular": null.near_regular,
            "threshold": null.threshold,
        }
    )


def write_null(table: str, dim: int, path: str | Path) -> None:
    write_csv(path, null_frame(table, dim))


def read_threshold(path: str | Path) -> float:
    return float(pd.read_csv(path)["threshold"].iloc[0])


# --- verdicts -------------------------------------------------------------------------------------------


def regular_analysis(run: str, latent_dim: int) -> dict:
    """`analyse` of the latent representation the method fixes: m regular copies ⊕ r trivial."""
    group = get_group(SPECS[run].group)
    rho = latent_representation(group, latent_dim, dtype=torch.float64)
    return analyse(SPECS[run], [rho[g] for g in group.generators])


def interpretable(residuals: dict[str, float], threshold: float) -> bool:
    """Every relation's relative residual below the null threshold."""
    return max(residuals.values()) < threshold


def judge(
    counts: dict[str, float],
    reference: dict[str, float],
    residuals: dict[str, float],
    threshold: float,
    scale: str,
) -> tuple[str, Verdict]:
    """(label, verdict) of one run's counts against `reference` (each within ±1), or not interpretable."""
    verdict = count_verdict(counts, reference, scale)
    if interpretable(residuals, threshold):
        return verdict.label, verdict
    return NOT_INTERPRETABLE_LABEL, Verdict(NOT_INTERPRETABLE, verdict.delta, verdict.bound, scale)


def _counts(analysis: dict, kinds: tuple[str, ...]) -> dict[str, float]:
    """Count columns; character multiplicities are prefixed with χ when eigenvalue counts come first."""
    prefix = {"irreps": "χ " if "eigen_counts" in kinds else "", "eigen_counts": ""}
    return {prefix[k] + name: value for k in kinds for name, value in analysis[k].items()}


@dataclass(frozen=True)
class Judged:
    """A table's runs with their verdicts: rows (one per protocol and seed) and verdict records."""

    rows: pd.DataFrame
    records: pd.DataFrame


def judge_runs(
    table: str,
    runs: list[tuple[str, dict]],
    paper: dict[str, float],
    threshold: float,
    scale: str,
) -> Judged:
    """Rows and verdict records of (protocol, metrics) pairs: the counts, each relation's residual, the
    algebra and equivariance losses, and the two verdicts (vs the paper's mean counts, vs the regular
    multiple) of every run."""
    spec = TABLES[table]
    regular = regular_analysis(spec.run, runs[0][1]["settings"]["latent_dim"])[spec.judged]
    rows, records = [], []
    for protocol in dict.fromkeys(p for p, _ in runs):
        mine = sorted((m for p, m in runs if p == protocol), key=lambda m: m["seed"])
        for i, m in enumerate(mine, 1):
            counts, residuals = m[spec.judged], m["relative_residuals"]
            row = {
                "protocol": protocol,
                "run": i,
                "seed": m["seed"],
                **_counts(m, spec.kinds),
                **{f"residual {k}": v for k, v in residuals.items()},
                "null threshold": threshold,
                "algebra_loss": m["algebra_loss"],
                "equivariance_loss": m["test"]["latent"],
                **{k: m["test"][k] for k in spec.extra},
            }
            for column, reference in ((VS_PAPER, paper), (VS_REGULAR, regular)):
                label, verdict = judge(counts, reference, residuals, threshold, scale)
                row[f"verdict: {column}"] = label
                records.append(
                    {
                        "table": table,
                        "row": f"run {i} (seed {m['seed']})",
                        "run": i,
                        "seed": m["seed"],
                        "protocol": protocol,
                        "column": column,
                        "kind": "count",
                        "run_mean": np.nan,
                        "run_std": np.nan,
                        "runs": 1,
                        "paper_mean": np.nan,
                        "paper_std": np.nan,
                        "delta": verdict.delta,
                        "bound": verdict.bound,
                        "outcome": verdict.outcome,
                        "scale": scale,
                        "verdict": label,
                    }
                )
            rows.append(row)
    return Judged(pd.DataFrame(rows), pd.DataFrame(records))


def regular_claims(table: str, judged: Judged, threshold: float) -> pd.DataFrame:
    """Per protocol, the claim that the learned matrices are a multiple of the regular representation:
    fails when an interpretable run's counts are not within ±1 of it; else not testable when a run is not
    interpretable; else holds."""
    spec = TABLES[table]
    residual_columns = [c for c in judged.rows.columns if c.startswith("residual ")]
    out = []
    for protocol, rows in judged.rows.groupby("protocol", sort=False):
        verdicts = judged.records[(judged.records["protocol"] == protocol)]
        regular = verdicts[verdicts["column"] == VS_REGULAR].set_index("run")
        unreadable = rows[rows[residual_columns].max(axis=1) >= threshold]
        differing = regular[regular["outcome"] == "differs"]
        runs = f"{len(rows)} run{'s' if len(rows) > 1 else ''}"
        if not differing.empty:
            outcome = FAILS
            detail = (
                f"{runs}: run(s) {', '.join(map(str, differing.index))} interpretable and more than "
                f"{COUNT_TOLERANCE} from the regular multiple (largest gap {differing['delta'].max():.2f})"
            )
        elif not unreadable.empty:
            outcome = NOT_TESTABLE
            worst = unreadable[residual_columns].max(axis=1)
            span = f"{worst.min():.2f}" + (f"-{worst.max():.2f}" if worst.max() > worst.min() else "")
            detail = (
                f"{runs}: run(s) {', '.join(map(str, unreadable['run']))} not interpretable: largest relative "
                f"residual {span} ≥ null threshold {threshold:.2f}, where matrices that are no representation "
                "give counts near the regular multiple as well"
            )
        else:
            outcome = HOLDS
            detail = (
                f"{runs}: every relation's residual < {threshold:.2f} and every count within "
                f"{COUNT_TOLERANCE} of the regular multiple (largest gap {regular['delta'].max():.2f})"
            )
        out.append({"claim": spec.claim, "protocol": protocol, "outcome": outcome, "detail": detail})
    return pd.DataFrame(out, columns=["claim", "protocol", "outcome", "detail"])


# --- the table ------------------------------------------------------------------------------------------


def _summary(frame: pd.DataFrame, label: str, ddof: int) -> pd.DataFrame:
    """One 'mean (std)' row per protocol over the numeric columns."""
    skip = ("protocol", "run", "seed", "null threshold")
    values = [c for c in frame.columns if c not in skip and frame[c].dtype.kind in "fi"]
    stats = aggregate(frame, ["protocol"], values, ddof=ddof)
    return pd.DataFrame(
        [
            {
                "protocol": s["protocol"],
                "run": label,
                **{v: mean_std(s[f"{v}_mean"], s[f"{v}_std"]) for v in values},
            }
            for s in stats.to_dict("records")
        ]
    )


def _initial_rows(table: str, runs: list[dict]) -> pd.DataFrame:
    """The analysis of each run's matrices at initialisation."""
    spec = TABLES[table]
    return pd.DataFrame(
        [
            {
                **_counts(m["initial"], spec.kinds),
                **{f"residual {k}": v for k, v in m["initial"]["relative_residuals"].items()},
                "algebra_loss": m["initial"]["algebra_loss"],
            }
            for m in runs
        ]
    )


def build(
    table: str,
    runs: list[tuple[str, str | Path]],
    reference: str | Path,
    null: str | Path,
    ddof: int,
    scale: str,
) -> tuple[pd.DataFrame, Judged, float]:
    """(the table as rendered, its judged runs, the null threshold). Per protocol: one row per run, their
    mean (std), and the same analysis at initialisation; then the paper's runs and their mean, and the
    regular multiple."""
    spec = TABLES[table]
    metrics = [(protocol, read_json(f)) for protocol, f in runs]
    threshold = read_threshold(null)
    paper = reference_frame(reference)
    count_columns = [c for c in paper.columns if c != "run"]
    paper_mean = {c: float(paper[c].mean()) for c in count_columns}
    judged = judge_runs(table, metrics, paper_mean, threshold, scale)
    regular = _counts(regular_analysis(spec.run, metrics[0][1]["settings"]["latent_dim"]), spec.kinds)
    paper_summary = aggregate(paper.assign(source="paper"), ["source"], count_columns, ddof=ddof).iloc[0]
    blocks = []
    for protocol in dict.fromkeys(p for p, _ in metrics):
        mine = judged.rows[judged.rows["protocol"] == protocol]
        blocks += [
            mine.assign(source="this run"),
            _summary(mine, "mean (std)", ddof).assign(source="this run"),
            _summary(
                _initial_rows(table, [m for p, m in metrics if p == protocol]).assign(protocol=protocol),
                "mean (std)",
                ddof,
            ).assign(source="this run, at initialisation"),
        ]
    blocks += [
        paper.assign(source="paper", protocol=""),
        pd.DataFrame(
            [
                {
                    "run": "mean (std)",
                    **{
                        c: mean_std(paper_summary[f"{c}_mean"], paper_summary[f"{c}_std"])
                        for c in count_columns
                    },
                }
            ]
        ).assign(source="paper", protocol=""),
        pd.DataFrame([{"run": "-", **regular}]).assign(source="regular rep. (exact)", protocol=""),
    ]
    frame = pd.concat(blocks, ignore_index=True)
    residuals = [c for c in judged.rows.columns if c.startswith("residual ")]
    columns = [
        "source",
        "protocol",
        "run",
        "seed",
        *regular,
        *residuals,
        "null threshold",
        "algebra_loss",
        "equivariance_loss",
        *spec.extra,
        f"verdict: {VS_PAPER}",
        f"verdict: {VS_REGULAR}",
    ]
    return frame[columns], judged, threshold


def render(
    table: str,
    runs: list[tuple[str, str | Path]],
    reference: str | Path,
    null: str | Path,
    *,
    outputs: list[str | Path],
    verdicts_csv: str | Path,
    claims_csv: str | Path,
    scale: str,
    ddof: int,
) -> None:
    spec = TABLES[table]
    frame, judged, threshold = build(table, runs, reference, null, ddof, scale)
    write_csv(verdicts_csv, judged.records)
    write_csv(claims_csv, regular_claims(table, judged, threshold))
    ref = load_reference(reference)
    seeds = sorted({int(s) for s in judged.rows["seed"]})
    notes = [
        f"'this run' = one row per seed ({', '.join(map(str, seeds))}) and protocol; mean (std) over the "
        f"protocol's runs (ddof={ddof}). protocol: released = the authors' code, described = the paper's "
        "text (docs/latent.md, Protocols); a run the two share is trained once and shown under each.",
        f"'paper' = {citation(reference)}; its mean (std) over the 5 runs is what each run's counts are "
        "compared with.",
        "'at initialisation' = the same analysis of the randomly initialised matrices.",
        "'regular rep. (exact)' = the multiple of the regular representation (plus trivial copies) of the "
        "latent dimension, i.e. what the paper's claim predicts.",
        "χ columns: multiplicities by the character inner product (symrep.analysis), a stricter test than "
        "eigenvalue counts."
        if len(spec.kinds) > 1
        else "",
        "residual <relation> = ‖word(W) - I‖_F / ‖I‖_F of each relation of the presentation for the learned "
        "matrices (0 for a representation, 1 for the zero matrix); algebra_loss = the mean over relations of "
        "MSE(word(W), I), a different statistic from the authors' logged one; equivariance_loss = test-set "
        "MSE(ρ(g) E(x1), E(x2)) (docs/latent.md).",
        f"null threshold = {threshold:.2f}: the smallest residual at which at least 5 % of non-regular "
        "representations deformed towards random orthogonal matrices come within ±1 of the regular "
        f"multiple in their {COUNT_NAMES[spec.judged]} (symrep.null_baseline; bins in "
        f"results/latent/null_{table}.csv).",
        f"verdicts ({COUNT_NAMES[spec.judged]}): reproduced when every count is within ±1 of the paper's "
        f"mean (resp. of the regular multiple); '{NOT_INTERPRETABLE_LABEL}' when a relation's residual is "
        "at or above the null threshold: such matrices are no representation and their counts are not read. "
        "At a scale other than paper the verdict is 'not comparable' (computed, in brackets).",
        *([ref["notes"].strip()] if ref.get("notes") else []),
    ]
    write_table(frame, outputs, title=spec.title, scale=scale, notes=[n for n in notes if n])
