"""Tables and claim checks of the ensemble experiments, from evaluate.evaluate's CSVs (figures: figures.py)."""

from __future__ import annotations

import pandas as pd

from symrep.files import write_csv
from symrep.report.aggregate import aggregate
from symrep.report.reference import citation, load_reference, reference_frame
from symrep.report.tables import write_table


def read_evaluations(paths: list[str]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def member_summary(frame: pd.DataFrame, kind: str, by: list[str], ddof: int) -> pd.DataFrame:
    """Mean, std and 2.5/97.5 % quantiles over members."""
    rows = frame[frame.kind == kind]
    out = aggregate(rows, by, ["acc", "osp", "div"], ddof)
    quantiles = rows.groupby(by, sort=False)[["osp", "div"]].quantile([0.025, 0.975]).unstack()
    quantiles.columns = [f"{m}_q{int(q * 1000):03d}" for m, q in quantiles.columns]
    return out.merge(quantiles.reset_index(), on=by)


def size_summary(frame: pd.DataFrame, ddof: int) -> pd.DataFrame:
    """Ensembles per size (mean ± std over bootstrap draws) and members (size 1), at the last epoch."""
    by = ["group", "architecture", "eval_set"]
    ensembles = aggregate(frame[frame.kind == "ensemble"], [*by, "size"], ["acc", "osp", "div"], ddof)
    members = member_summary(frame, "member", by, ddof).assign(size=1)
    out = pd.concat([members.assign(model="member"), ensembles.assign(model="ensemble")], ignore_index=True)
    out.loc[out.acc_mean.isna(), "acc_std"] = float("nan")  # no labels out of distribution
    return out


def _verdict(better: bool, tie: bool) -> str:
    return "tie (within 1 std)" if tie else ("holds" if better else "does not hold")


def nordenfors_flinth_claims(summary: pd.DataFrame) -> pd.DataFrame:
    """The poster's two claims, at the largest ensemble size, against this run's numbers."""
    largest = (
        summary[summary.model == "ensemble"]
        .groupby(["group", "architecture", "eval_set"])["size"]
        .transform("max")
    )
    ens = summary[summary.model == "ensemble"][lambda f: f["size"] == largest[f.index]]
    mem = summary[summary.model == "member"]
    key = ["group", "architecture", "eval_set"]
    both = ens.merge(mem, on=key, suffixes=("_ens", "_mem"))
    rows = []
    for _, r in both.iterrows():
        better = r.osp_mean_ens > r.osp_mean_mem and r.div_mean_ens < r.div_mean_mem
        rows.append(
            {
                "claim": "ensemble_vs_members",
                "group": r.group,
                "eval_set": r.eval_set,
                "compared": f"{r.architecture.upper()} ensemble of {int(r.size_ens)} vs its members",
                "osp": f"{r.osp_mean_ens:.3f} vs {r.osp_mean_mem:.3f}",
                "div": f"{r.div_mean_ens:.4g} vs {r.div_mean_mem:.4g}",
                "verdict": _verdict(better, False),
            }
        )
    indexed = ens.set_index(key)
    for group, eval_set in dict.fromkeys(zip(ens.group, ens.eval_set)):
        if (group, "sym", eval_set) not in indexed.index or (group, "asym", eval_set) not in indexed.index:
            continue
        s, a = indexed.loc[(group, "sym", eval_set)], indexed.loc[(group, "asym", eval_set)]
        tie = abs(s.osp_mean - a.osp_mean) <= max(s.osp_std, a.osp_std)
        rows.append(
            {
                "claim": "sym_vs_asym",
                "group": group,
                "eval_set": eval_set,
                "compared": f"SYM vs ASYM ensembles of {int(s['size'])}",
                "osp": f"{s.osp_mean:.3f} ± {s.osp_std:.3f} vs {a.osp_mean:.3f} ± {a.osp_std:.3f}",
                "div": f"{s.div_mean:.4g} vs {a.div_mean:.4g}",
                "verdict": _verdict(s.osp_mean >= a.osp_mean and s.div_mean <= a.div_mean, tie),
            }
        )
    return pd.DataFrame(rows)


def render_nordenfors_flinth(
    csvs: list[str], reference: str, summary_csv: str, claims_stem: str, scale: str, ddof: int
) -> None:
    """Figure 8's numbers (summary_csv) and the poster's claims checked against them."""
    summary = size_summary(read_evaluations(csvs), ddof)
    write_csv(summary_csv, summary)
    statements = {r["claim"]: r["statement"] for r in load_reference(reference)["rows"]}
    write_table(
        nordenfors_flinth_claims(summary),
        claims_stem,
        title="Nordenfors & Flinth's claims checked against this run.",
        scale=scale,
        notes=[f"{k}: '{v}' ({citation(reference)})" for k, v in statements.items()]
        + ["OSP: higher is more invariant; DIV: lower is more invariant."],
    )


def gerken_kessel_table(frame: pd.DataFrame, reference: str, ddof: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 11 (OSP out of distribution, mean ± std) with this run's rows beside the talk's, and the
    accuracies behind it."""
    ood = frame[frame.eval_set == "ood"]
    ours = pd.concat(
        [
            aggregate(ood[ood.kind == "ensemble"], ["group"], ["osp"], ddof).assign(method="DeepEns+DA"),
            aggregate(ood[ood.kind == "member"], ["group"], ["osp"], ddof).assign(method="only DA"),
        ]
    )
    paper = reference_frame(reference)
    groups = list(dict.fromkeys(paper.group)) + [
        g for g in dict.fromkeys(ours.group) if g not in set(paper.group)
    ]
    cells = []
    for source, table, methods in (
        ("this run", ours, ["DeepEns+DA", "only DA"]),
        ("talk", paper, list(dict.fromkeys(paper.method))),
    ):
        for method in methods:
            row = {
                "method": method,
                "source": (
                    source
                    if method in ("DeepEns+DA", "only DA") or source != "talk"
                    else "talk (not reproduced)"
                ),
            }
            for g in groups:
                hit = table[(table.method == method) & (table.group == g)]
                row[g] = f"{hit.osp_mean.iloc[0]:.2f} ± {hit.osp_std.iloc[0]:.2f}" if len(hit) else ""
            cells.append(row)
    table = pd.DataFrame(cells)
    order = {m: i for i, m in enumerate(["DeepEns+DA", "only DA", "E2CNN", "Canon"])}
    table = table.sort_values("method", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)
    ind = frame[frame.eval_set == "id"]
    accuracy = pd.concat(
        [
            aggregate(ind[ind.kind == "ensemble"], ["group"], ["acc"], ddof).assign(model="ensemble"),
            aggregate(ind[ind.kind == "member"], ["group"], ["acc"], ddof).assign(model="member"),
        ]
    )
    return table, accuracy


def gerken_kessel_claims(table: pd.DataFrame) -> pd.DataFrame:
    ours = table[table.source == "this run"].set_index("method")
    rows = []
    for g in [c for c in table.columns if c not in ("method", "source")]:
        if not ours.loc["DeepEns+DA", g]:
            continue
        ens, mem = (float(ours.loc[m, g].split(" ± ")[0]) for m in ("DeepEns+DA", "only DA"))
        rows.append(
            {
                "claim": "DeepEns+DA more invariant than only DA",
                "group": g,
                "osp": f"{ens:.2f} vs {mem:.2f}",
                "verdict": _verdict(ens > mem, False),
            }
        )
    return pd.DataFrame(rows)


def render_gerken_kessel(
    csvs: list[str],
    reference: str,
    table_stem: str,
    claims_stem: str,
    accuracy_csv: str,
    settings: dict,
    scale: str,
    ddof: int,
) -> None:
    frame = read_evaluations(csvs)
    table, accuracy = gerken_kessel_table(frame, reference, ddof)
    write_csv(accuracy_csv, accuracy)
    ood = f"{settings['ood_dataset']} test images" if settings["ood_dataset"] else "uniform-noise images"
    acc = accuracy.set_index(["model", "group"])["acc_mean"]
    write_table(
        table,
        table_stem,
        scale=scale,
        title="Table 11: orbit-same predictions out of distribution, models trained on rotated Fashion-MNIST.",
        notes=[
            f"'this run': OOD set = {ood} ({settings['eval_samples'] or 'all'}); "
            f"DeepEns+DA = ensembles of {settings['ensemble_size']} of {settings['members']} members "
            f"(mean ± std over {settings['bootstraps']} bootstrap draws); only DA = the members one by one "
            "(mean ± std over members).",
            "Fashion-MNIST test accuracy, ensemble / member: "
            + ", ".join(
                f"{g} {acc[('ensemble', g)]:.3f} / {acc[('member', g)]:.3f}"
                for g in dict.fromkeys(accuracy.group)
            )
            + ".",
            f"'talk' = {citation(reference)}. E2CNN and Canon are not reproduced.",
        ],
    )
    write_table(
        gerken_kessel_claims(table),
        claims_stem,
        scale=scale,
        title="Gerken & Kessel's claim checked against this run.",
        notes=["OSP out of distribution; higher is more invariant (maximum = group order)."],
    )
