"""Summaries, claims and Table 11 of the ensemble experiments, from evaluate.evaluate's CSVs, per protocol
(figures: figures.py).

Nordenfors & Flinth publish plots only: their poster's claims are decided here, per protocol, from every
(group, evaluation set, architecture) case, and written as claim records (claim, protocol, outcome, detail)
for the reproduction summary. Gerken & Kessel's table goes through `report.beside` (a verdict per cell).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import write_csv
from symrep.report.aggregate import aggregate
from symrep.report.beside import beside
from symrep.report.claims import CLAIM_COLUMNS, FAILS, HOLDS, NOT_TESTABLE, load_claims
from symrep.report.reference import citation, reference_frame
from symrep.report.tables import write_table

ARCH_LABELS = {"cnn": "CNN", "sym": "SYM", "asym_syminit": "ASYM-SYMINIT", "asym_asyminit": "ASYM-ASYMINIT"}
SET_NAMES = {"id": "MNIST test", "ood": "OOD"}
FAR_MORE = "ensembles_far_more_invariant"
SYM_VS_ASYM = "ensembles_sym_at_least_asym"
APPROACHES = "ensembles_osp_approaches_order"
RULES = {
    FAR_MORE: "the largest ensemble's mean OSP is above its members' 97.5 % quantile and its mean DIV below "
    "their 2.5 % quantile (outside the band the figure draws)",
    SYM_VS_ASYM: "at the largest ensemble size SYM's mean OSP is at least, and its mean DIV at most, each ASYM "
    "architecture's",
    APPROACHES: "the mean OSP rises from the members' (size 1) to the largest ensemble's and never drops by "
    "more than one bootstrap std from one size to the next",
}
METHODS = ["DeepEns+DA", "only DA", "E2CNN", "Canon"]
GROUPS = ["C4", "C8", "C16"]


def label(architecture: str) -> str:
    return ARCH_LABELS.get(architecture, architecture.upper())


def read_evaluations(runs: list[list[str]]) -> pd.DataFrame:
    """[protocol, evaluation CSV] pairs → one frame with a `protocol` column (a common run under each)."""
    return pd.concat([pd.read_csv(f).assign(protocol=p) for p, f in runs], ignore_index=True)


def member_summary(frame: pd.DataFrame, kind: str, by: list[str], ddof: int) -> pd.DataFrame:
    """Mean, std and 2.5/97.5 % quantiles over members."""
    rows = frame[frame.kind == kind]
    out = aggregate(rows, by, ["acc", "osp", "div"], ddof)
    quantiles = rows.groupby(by, sort=False)[["osp", "div"]].quantile([0.025, 0.975]).unstack()
    quantiles.columns = [f"{m}_q{int(q * 1000):03d}" for m, q in quantiles.columns]
    return out.merge(quantiles.reset_index(), on=by)


def size_summary(frame: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """Per protocol: ensembles per size (mean ± std over bootstrap draws) and members (size 1), at the last
    epoch."""
    by = ["protocol", "group", "architecture", "eval_set"]
    ensembles = aggregate(frame[frame.kind == "ensemble"], [*by, "size"], ["acc", "osp", "div"], ddof)
    members = member_summary(frame, "member", by, ddof).assign(size=1)
    out = pd.concat([members.assign(model="member"), ensembles.assign(model="ensemble")], ignore_index=True)
    out.loc[out.acc_mean.isna(), "acc_std"] = float("nan")  # no labels out of distribution
    return out


def _case(claim, r, architecture, compared, osp, div, holds) -> dict:
    return {
        "claim": claim,
        "protocol": r.protocol,
        "group": r.group,
        "eval_set": SET_NAMES[r.eval_set],
        "architecture": architecture,
        "compared": compared,
        "osp": osp,
        "div": div,
        "outcome": HOLDS if holds else FAILS,
    }


def nordenfors_flinth_cases(summary: pd.DataFrame) -> pd.DataFrame:
    """Every case of the poster's claims (RULES), per protocol, group, evaluation set and architecture."""
    key = ["protocol", "group", "architecture", "eval_set"]
    ens = summary[summary.model == "ensemble"].sort_values("size", kind="stable")
    mem = summary[summary.model == "member"].set_index(key)
    largest = ens.groupby(key, sort=False).tail(1).set_index(key)
    rows = []
    for k, e in largest.iterrows():
        r, m = pd.Series(dict(zip(key, k))), mem.loc[k]
        rows.append(
            _case(
                FAR_MORE,
                r,
                label(r.architecture),
                f"ensemble of {int(e['size'])} vs its members",
                f"{e.osp_mean:.2f} vs {m.osp_q025:.2f}–{m.osp_q975:.2f}",
                f"{e.div_mean:.3g} vs {m.div_q025:.3g}–{m.div_q975:.3g}",
                e.osp_mean > m.osp_q975 and e.div_mean < m.div_q025,
            )
        )
    for _, part in largest.reset_index().groupby(["protocol", "group", "eval_set"], sort=False):
        by_arch = part.set_index("architecture")
        if "sym" not in by_arch.index:
            continue
        s = by_arch.loc["sym"]
        for asym in ("asym_syminit", "asym_asyminit"):
            if asym in by_arch.index:
                a = by_arch.loc[asym]
                rows.append(
                    _case(
                        SYM_VS_ASYM,
                        s,
                        f"SYM vs {label(asym)}",
                        f"ensembles of {int(s['size'])}",
                        f"{s.osp_mean:.2f} ± {s.osp_std:.2f} vs {a.osp_mean:.2f} ± {a.osp_std:.2f}",
                        f"{s.div_mean:.3g} ± {s.div_std:.2g} vs {a.div_mean:.3g} ± {a.div_std:.2g}",
                        s.osp_mean >= a.osp_mean and s.div_mean <= a.div_mean,
                    )
                )
    for k, curve in ens.groupby(key, sort=False):
        r, m = pd.Series(dict(zip(key, k))), mem.loc[k]
        means = [m.osp_mean, *curve.osp_mean]
        steady = all(b >= a - sd for a, b, sd in zip(means, means[1:], curve.osp_std))
        order = int(r.group[1:])
        rows.append(
            _case(
                APPROACHES,
                r,
                label(r.architecture),
                f"sizes 1 (members), {', '.join(str(int(z)) for z in curve['size'])}",
                f"{means[0]:.2f} → {means[-1]:.2f} of |G| = {order}",
                f"{m.div_mean:.3g} → {curve.div_mean.iloc[-1]:.3g}",
                steady and means[-1] > means[0],
            )
        )
    columns = ["claim", "protocol", "group", "eval_set", "architecture", "compared", "osp", "div", "outcome"]
    return pd.DataFrame(rows, columns=columns)


def claim_records(cases: pd.DataFrame, protocols: list[str]) -> pd.DataFrame:
    """One record per (claim, protocol): holds when every case holds; the detail counts them and names
    the failing ones."""
    rows = []
    for claim in RULES:
        for protocol in protocols:
            mine = cases[(cases.claim == claim) & (cases.protocol == protocol)]
            if mine.empty:
                rows.append(
                    [claim, protocol, NOT_TESTABLE, "no case: an architecture it compares is not run"]
                )
                continue
            failed = mine[mine.outcome == FAILS]
            detail = f"{len(mine) - len(failed)} of {len(mine)} cases hold (claim_cases.md)"
            if len(failed):
                detail += "; fails: " + ", ".join(
                    f"{r.group} {r.eval_set} {r.architecture}" for r in failed.itertuples()
                )
            rows.append([claim, protocol, FAILS if len(failed) else HOLDS, detail])
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def render_nordenfors_flinth(
    runs: list[list[str]],
    claims_yaml: str | Path,
    summary_csv: str,
    claims_csv: str,
    cases_stem: str,
    scale: str,
    ddof: int,
) -> None:
    """Figure 8's numbers (summary_csv), the claims' cases (a table) and their records (claims_csv)."""
    summary = size_summary(read_evaluations(runs), ddof)
    write_csv(summary_csv, summary)
    cases = nordenfors_flinth_cases(summary)
    write_csv(claims_csv, claim_records(cases, list(dict.fromkeys(p for p, _ in runs))))
    claims = {c["id"]: c for c in load_claims(claims_yaml)}
    write_table(
        cases,
        cases_stem,
        title="Nordenfors & Flinth's claims, case by case, on this run.",
        scale=scale,
        notes=[f"{k}: {claims[k]['claim']} ({claims[k]['source']}). Holds when {RULES[k]}." for k in RULES]
        + [
            "OSP: higher is more invariant (at most |G|); DIV: lower is more invariant. Ensembles: mean ± std "
            "over bootstrap draws (with replacement); members: their 2.5–97.5 % band.",
            "protocol: released = the authors' code (OOD images in [0, 1]; ASYM-SYMINIT all N(0, 1), the "
            "ASYM-ASYMINIT run); described = the poster read correctly (OOD images normalised like MNIST; "
            "ASYM-SYMINIT's corner zero at initialisation); docs/ensembles.md, Protocols.",
        ],
    )


# --- Gerken & Kessel -----------------------------------------------------------------------------------


def table11_cells(
    frame: pd.DataFrame, reference: pd.DataFrame, ddof: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """OSP out of distribution per (method, protocol) and group: DeepEns+DA over the independent ensembles,
    only DA over the members; the talk's E2CNN and Canon rows as the paper's only."""
    ood = frame[frame.eval_set == "ood"]
    paper = {(r.method, r.group): r for r in reference.itertuples()}
    cells = []
    for method, kind in (("DeepEns+DA", "ensemble"), ("only DA", "member")):
        for r in aggregate(ood[ood.kind == kind], ["protocol", "group"], ["osp"], ddof).itertuples():
            ref = paper.get((method, r.group))
            cells.append(
                {
                    "method": method,
                    "protocol": r.protocol,
                    "column": r.group,
                    "kind": "osp",
                    "run_mean": r.osp_mean,
                    "run_std": r.osp_std,
                    "runs": r.n,
                    "paper_mean": ref.osp_mean if ref else float("nan"),
                    "paper_std": ref.osp_std if ref else float("nan"),
                }
            )
    paper_only = [
        {"method": r.method, "column": r.group, "paper_mean": r.osp_mean, "paper_std": r.osp_std}
        for r in reference.itertuples()
        if r.method not in ("DeepEns+DA", "only DA")
    ]
    return pd.DataFrame(cells), pd.DataFrame(paper_only)


def table11(
    frame: pd.DataFrame, reference: pd.DataFrame, ddof: int, scale: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Table 11 as rendered, its verdict records): rows (method, source, protocol), a column per group
    with its verdict, in the talk's row order."""
    cells, paper_only = table11_cells(frame, reference, ddof)
    present = set(cells["column"]) | set(paper_only.get("column", []))
    return beside(
        cells,
        paper_only,
        ["method"],
        table="table11",
        scale=scale,
        row_order=[(m,) for m in METHODS],
        column_order=[g for g in GROUPS if g in present],
        digits=2,
    )


def accuracy_table(frame: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """Fashion-MNIST test accuracy of the ensembles and of the members, per protocol and group."""
    ind = frame[frame.eval_set == "id"]
    return pd.concat(
        [
            aggregate(ind[ind.kind == kind], ["protocol", "group"], ["acc"], ddof).assign(model=model)
            for kind, model in (("ensemble", "ensemble"), ("member", "member"))
        ],
        ignore_index=True,
    )


def render_gerken_kessel(
    runs: list[list[str]],
    reference: str,
    table_stem: str,
    verdicts_csv: str,
    accuracy_csv: str,
    settings: dict,
    scale: str,
    ddof: int,
) -> None:
    frame = read_evaluations(runs)
    table, records = table11(frame, reference_frame(reference), ddof, scale)
    write_csv(verdicts_csv, records)
    accuracy = accuracy_table(frame, ddof)
    write_csv(accuracy_csv, accuracy)
    s = settings
    pool, size = s["members"], s["ensemble_size"]
    ood = f"{s['ood_dataset']} test images" if s["ood_dataset"] else "uniform-noise images"
    ensembles = (
        f"DeepEns+DA = {pool // size} independent ensembles of {size} distinct members, drawn without "
        f"replacement from a pool of {pool} (mean (std) over the ensembles)"
        if pool // size > 1
        else f"DeepEns+DA = the one ensemble of all {pool} members (a pool of exactly {size}: no spread)"
    )
    acc = accuracy.set_index(["model", "protocol", "group"])["acc_mean"]
    write_table(
        table,
        table_stem,
        scale=scale,
        title="Table 11: orbit-same predictions out of distribution, models trained on rotated Fashion-MNIST.",
        notes=[
            f"'this run': OOD set = {ood} ({s['eval_samples'] or 'all'}); {ensembles}; only DA = the {pool} "
            "members one by one (mean (std) over members).",
            f"Training: full augmentation, {s['batch_size']} images per step each with its whole orbit ("
            + ", ".join(f"{s['batch_size'] * int(g[1:])} inputs for {g}" for g in s["groups"])
            + f"), the mean loss over them, one learning rate ({s['lr']}) and the same steps for every group.",
            "Fashion-MNIST test accuracy, ensemble / member: "
            + ", ".join(
                f"{g} {acc[('ensemble', p, g)]:.3f} / {acc[('member', p, g)]:.3f}"
                for p, g in dict.fromkeys(zip(accuracy.protocol, accuracy.group))
            )
            + ".",
            "protocol: described only (the authors' code is not public; docs/ensembles.md, Protocols).",
            "verdict: reproduced when |this run − talk| ≤ 2·√(σ_run² + σ_talk²), each σ at least 1 % of the "
            "talk's value; at a scale other than paper the verdict is 'not comparable' (computed, in brackets).",
            f"'paper' = {citation(reference)}; E2CNN and Canon are the talk's numbers only.",
        ],
    )
