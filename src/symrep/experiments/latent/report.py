"""Tables 1-3 of the main paper (§4): irreducible content of the learned latent representations,
one row per run (seed), beside the paper's runs and the multiple of the regular representation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from symrep.experiments.latent.task import SPECS, analyse
from symrep.files import read_json
from symrep.groups import get_group
from symrep.report.aggregate import aggregate, mean_std
from symrep.report.reference import citation, load_reference, reference_frame
from symrep.report.tables import write_table
from symrep.representations import latent_representation

#: table -> (run, analyses shown, extra test metrics, title)
TABLES = {
    "table1": (
        "tmnist_z2",
        ["eigen_counts", "irreps"],
        [],
        "Table 1: TMNIST autoencoder, Z2 (font swap): eigenvalues of the learned matrix nearest +1 and -1.",
    ),
    "table2": (
        "mnist_d3",
        ["irreps"],
        [],
        "Table 2: MNIST MLP autoencoder, D3: multiplicities of the trivial, sign "
        "and standard irreducible representations (character inner product).",
    ),
    "table3": (
        "cifar10_c4",
        ["eigen_counts", "irreps"],
        ["accuracy"],
        "Table 3: CIFAR-10 classifier, C4: eigenvalues of the learned matrix nearest 1, i, -1 and -i.",
    ),
}


def expected_analysis(run: str, latent_dim: int) -> dict:
    """`analyse` of the latent representation the method fixes: m regular copies ⊕ r trivial."""
    group = get_group(SPECS[run].group)
    rho = latent_representation(group, latent_dim, dtype=torch.float64)
    return analyse(SPECS[run], [rho[g] for g in group.generators])


def _counts(analysis: dict, kinds: list[str]) -> dict[str, float]:
    """Count columns; character multiplicities are prefixed with χ when eigenvalue counts come first."""
    prefix = {"irreps": "χ " if "eigen_counts" in kinds else "", "eigen_counts": ""}
    return {prefix[k] + name: value for k in kinds for name, value in analysis[k].items()}


def run_rows(metrics: list[dict], kinds: list[str], extra: list[str], stage: str = "final") -> pd.DataFrame:
    """One row per run: counts and algebra loss of the selected model ("final") or at initialisation."""
    rows = []
    for i, m in enumerate(sorted(metrics, key=lambda m: m["seed"])):
        analysis = m if stage == "final" else m["initial"]
        rows.append(
            {
                "run": i + 1,
                "seed": m["seed"],
                **_counts(analysis, kinds),
                **{k: analysis[k] for k in ("algebra_loss", "algebra_relative")},
                **(
                    {"equivariance_loss": m["test"]["latent"], **{k: m["test"][k] for k in extra}}
                    if stage == "final"
                    else {}
                ),
            }
        )
    return pd.DataFrame(rows)


def _summary(frame: pd.DataFrame, label: str, ddof: int) -> pd.DataFrame:
    values = [c for c in frame.columns if c not in ("run", "seed")]
    stats = aggregate(frame.assign(run=label), ["run"], values, ddof=ddof)
    return pd.DataFrame(
        [{"run": label, **{v: mean_std(stats[f"{v}_mean"][0], stats[f"{v}_std"][0]) for v in values}}]
    )


def build(table: str, metric_files: list[str | Path], reference: str | Path, ddof: int) -> pd.DataFrame:
    run, kinds, extra, _ = TABLES[table]
    metrics = [read_json(f) for f in metric_files]
    ours = run_rows(metrics, kinds, extra)
    expected = _counts(expected_analysis(run, metrics[0]["settings"]["latent_dim"]), kinds)
    frame = pd.concat(
        [
            ours.assign(source="this run"),
            _summary(ours, "mean (std)", ddof).assign(source="this run"),
            _summary(run_rows(metrics, kinds, extra, "initial"), "mean (std)", ddof).assign(
                source="this run, at initialisation"
            ),
            reference_frame(reference).assign(source="paper"),
            pd.DataFrame([{"run": "-", **expected}]).assign(source="regular rep. (exact)"),
        ],
        ignore_index=True,
    )
    columns = [
        "source",
        "run",
        "seed",
        *expected,
        "algebra_loss",
        "algebra_relative",
        "equivariance_loss",
        *extra,
    ]
    return frame[columns]


def render(
    table: str, metric_files: list[str | Path], reference: str | Path, stem: str | Path, scale: str, ddof: int
) -> None:
    run, _, _, title = TABLES[table]
    frame = build(table, metric_files, reference, ddof)
    ref = load_reference(reference)
    notes = [
        f"'this run' = one row per seed; mean (std) over {len(metric_files)} runs (ddof={ddof}).",
        f"'paper' = {citation(reference)}.",
        "'at initialisation' = the same analysis of the randomly initialised matrices, for comparison: "
        "eigenvalue counts of a random matrix are balanced too, so counts mean something only where the "
        "algebra loss is small.",
        "'regular rep. (exact)' = the multiple of the regular representation (plus trivial copies) of the "
        "latent dimension, i.e. what the paper's claim predicts.",
        "χ columns: multiplicities by the character inner product (symrep.analysis), a stricter test than "
        "eigenvalue counts."
        if len(TABLES[table][1]) > 1
        else "",
        "algebra_loss = mean over the group presentation's relations of MSE(word(W), I) for the learned "
        "matrices; algebra_relative = √(d · algebra_loss), the relative residual ‖word(W) - I‖_F / ‖I‖_F "
        "(root mean square over relations; 0 for a representation, 1 for the zero matrix); equivariance_loss = test-set MSE(ρ(g) E(x1), E(x2)) (docs/latent.md).",
        *([ref["notes"].strip()] if ref.get("notes") else []),
    ]
    write_table(frame, stem, title=title, scale=scale, notes=[n for n in notes if n])
