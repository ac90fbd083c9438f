"""Figures 8 and 9 of the ensemble experiments (Nordenfors & Flinth): invariance against ensemble size and
against training epochs."""

from __future__ import annotations

import pandas as pd

from symrep.experiments.ensembles.report import member_summary, read_evaluations
from symrep.report.figures import plt, save_figure

METRIC_LABELS = {"osp": "orbit-same predictions (OSP)", "div": "symmetric KL divergence (DIV)"}
SET_LABELS = {"id": "in distribution", "ood": "out of distribution"}
PANELS = [("osp", "id"), ("osp", "ood"), ("div", "id"), ("div", "ood")]


def _panel_grid(rows: list[str], title: str):
    fig, axes = plt.subplots(
        len(rows),
        len(PANELS),
        figsize=(4.2 * len(PANELS), 3.4 * len(rows)),
        squeeze=False,
        layout="constrained",
    )
    fig.suptitle(title)
    return fig, axes


def figure_sizes(summary: pd.DataFrame, png: str, pdf: str, scale: str) -> None:
    """OSP and DIV against ensemble size per architecture (ensembles: mean ± std over bootstraps;
    members: mean, dashed, with their 2.5–97.5 % band)."""
    groups = list(dict.fromkeys(summary.group))
    fig, axes = _panel_grid(
        groups, f"Ensembles vs members under augmentation (Nordenfors & Flinth), scale: {scale}"
    )
    for r, group in enumerate(groups):
        for c, (metric, eval_set) in enumerate(PANELS):
            ax = axes[r, c]
            part = summary[(summary.group == group) & (summary.eval_set == eval_set)]
            for i, arch in enumerate(dict.fromkeys(part.architecture)):
                colour = f"C{i}"
                ens = part[(part.architecture == arch) & (part.model == "ensemble")].sort_values("size")
                mem = part[(part.architecture == arch) & (part.model == "member")].iloc[0]
                ax.errorbar(
                    ens["size"],
                    ens[f"{metric}_mean"],
                    yerr=ens[f"{metric}_std"],
                    color=colour,
                    marker="o",
                    ms=3,
                    capsize=2,
                    label=f"{arch.upper()} ensemble",
                )
                ax.axhline(
                    mem[f"{metric}_mean"], color=colour, ls="--", lw=1, label=f"{arch.upper()} members"
                )
                ax.axhspan(mem[f"{metric}_q025"], mem[f"{metric}_q975"], color=colour, alpha=0.08)
            ax.set_xscale("log")
            ax.set_xticks(sorted(set(part["size"])), [str(int(z)) for z in sorted(set(part["size"]))])
            ax.minorticks_off()
            if metric == "div":
                ax.set_yscale("log")
            ax.set_title(f"{group}: {metric.upper()}, {SET_LABELS[eval_set]}", fontsize=9)
            ax.set_xlabel("ensemble size")
            ax.set_ylabel(METRIC_LABELS[metric], fontsize=8)
    axes[0, 0].legend(fontsize=7)
    save_figure(fig, png, pdf)


def figure_epochs(frame: pd.DataFrame, png: str, pdf: str, scale: str, ddof: int) -> None:
    """Member and whole-ensemble invariance after every training epoch (0 = initialisation)."""
    by = ["group", "architecture", "eval_set", "epoch"]
    members = member_summary(frame, "curve_member", by, ddof)
    ensembles = frame[frame.kind == "curve_ensemble"]
    groups = list(dict.fromkeys(ensembles.group))
    fig, axes = _panel_grid(groups, f"Invariance during training: whole ensemble vs members, scale: {scale}")
    for r, group in enumerate(groups):
        for c, (metric, eval_set) in enumerate(PANELS):
            ax = axes[r, c]
            for i, arch in enumerate(dict.fromkeys(ensembles.architecture)):
                ens, mem = (
                    f[(f.group == group) & (f.eval_set == eval_set) & (f.architecture == arch)].sort_values(
                        "epoch"
                    )
                    for f in (ensembles, members)
                )
                ax.plot(
                    ens.epoch,
                    ens[metric],
                    color=f"C{i}",
                    marker="o",
                    ms=3,
                    label=f"{arch.upper()} ensemble ({int(ens['size'].iloc[0])})",
                )
                ax.plot(
                    mem.epoch,
                    mem[f"{metric}_mean"],
                    color=f"C{i}",
                    ls="--",
                    lw=1,
                    label=f"{arch.upper()} members",
                )
                ax.fill_between(
                    mem.epoch, mem[f"{metric}_q025"], mem[f"{metric}_q975"], color=f"C{i}", alpha=0.08
                )
            if metric == "div":
                ax.set_yscale("log")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_title(f"{group}: {metric.upper()}, {SET_LABELS[eval_set]}", fontsize=9)
            ax.set_xlabel("epoch (0 = initialisation)")
            ax.set_ylabel(METRIC_LABELS[metric], fontsize=8)
    axes[0, 0].legend(fontsize=7)
    save_figure(fig, png, pdf)


def render_figure8(summary_csv: str, png: str, pdf: str, scale: str) -> None:
    figure_sizes(pd.read_csv(summary_csv), png, pdf, scale)


def render_figure9(csvs: list[str], png: str, pdf: str, scale: str, ddof: int) -> None:
    figure_epochs(read_evaluations(csvs), png, pdf, scale, ddof)
