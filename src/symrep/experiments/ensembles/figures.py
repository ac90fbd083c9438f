"""Figures 8 and 9 of the ensemble experiments (Nordenfors & Flinth): invariance against ensemble size and
against training epochs, a row per (protocol, group), a curve per architecture (their figure's four)."""

from __future__ import annotations

import pandas as pd

from symrep.experiments.ensembles.report import label, member_summary, read_evaluations
from symrep.report.figures import plt, save_figure

METRIC_LABELS = {"osp": "orbit-same predictions (OSP)", "div": "symmetric KL divergence (DIV)"}
SET_LABELS = {"id": "in distribution", "ood": "out of distribution"}
PANELS = [("osp", "id"), ("osp", "ood"), ("div", "id"), ("div", "ood")]
#: line style and marker per architecture, so that curves drawn on top of each other stay visible (the
#: released ASYM-SYMINIT is the ASYM-ASYMINIT run)
STYLES = {"cnn": ("-", "o"), "sym": ("-", "s"), "asym_syminit": ("--", "^"), "asym_asyminit": ("-.", "v")}


def _panel_grid(rows: list, title: str):
    fig, axes = plt.subplots(
        len(rows),
        len(PANELS),
        figsize=(4.2 * len(PANELS), 3.4 * len(rows)),
        squeeze=False,
        layout="constrained",
    )
    fig.suptitle(title)
    return fig, axes


def _legend(fig, axes) -> None:
    """One legend for the whole figure, below the panels."""
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=(len(labels) + 1) // 2, fontsize=8)


def figure_sizes(summary: pd.DataFrame, png: str, pdf: str, scale: str) -> None:
    """OSP and DIV against ensemble size per architecture (ensembles: mean ± std over bootstraps;
    members: mean, dotted, with their 2.5–97.5 % band)."""
    rows = list(dict.fromkeys(zip(summary.protocol, summary.group)))
    fig, axes = _panel_grid(
        rows, f"Ensembles vs members under augmentation (Nordenfors & Flinth), scale: {scale}"
    )
    for r, (protocol, group) in enumerate(rows):
        for c, (metric, eval_set) in enumerate(PANELS):
            ax = axes[r, c]
            part = summary[
                (summary.protocol == protocol) & (summary.group == group) & (summary.eval_set == eval_set)
            ]
            for i, arch in enumerate(dict.fromkeys(part.architecture)):
                colour = f"C{i}"
                ens = part[(part.architecture == arch) & (part.model == "ensemble")].sort_values("size")
                mem = part[(part.architecture == arch) & (part.model == "member")].iloc[0]
                ls, marker = STYLES.get(arch, ("-", "o"))
                ax.errorbar(
                    ens["size"],
                    ens[f"{metric}_mean"],
                    yerr=ens[f"{metric}_std"],
                    color=colour,
                    ls=ls,
                    marker=marker,
                    ms=4,
                    capsize=2,
                    label=f"{label(arch)} ensemble",
                )
                ax.axhline(mem[f"{metric}_mean"], color=colour, ls=":", lw=1, label=f"{label(arch)} members")
                ax.axhspan(mem[f"{metric}_q025"], mem[f"{metric}_q975"], color=colour, alpha=0.08)
            ax.set_xscale("log")
            ax.set_xticks(sorted(set(part["size"])), [str(int(z)) for z in sorted(set(part["size"]))])
            ax.minorticks_off()
            if metric == "div":
                ax.set_yscale("log")
            ax.set_title(f"{protocol}, {group}: {metric.upper()}, {SET_LABELS[eval_set]}", fontsize=9)
            ax.set_xlabel("ensemble size (1 = members)")
            ax.set_ylabel(METRIC_LABELS[metric], fontsize=8)
    _legend(fig, axes)
    save_figure(fig, png, pdf)


def figure_epochs(frame: pd.DataFrame, png: str, pdf: str, scale: str, ddof: int) -> None:
    """Member and whole-ensemble invariance after every training epoch (0 = initialisation)."""
    by = ["protocol", "group", "architecture", "eval_set", "epoch"]
    members = member_summary(frame, "curve_member", by, ddof)
    ensembles = frame[frame.kind == "curve_ensemble"]
    rows = list(dict.fromkeys(zip(ensembles.protocol, ensembles.group)))
    fig, axes = _panel_grid(rows, f"Invariance during training: whole ensemble vs members, scale: {scale}")
    for r, (protocol, group) in enumerate(rows):
        for c, (metric, eval_set) in enumerate(PANELS):
            ax = axes[r, c]
            for i, arch in enumerate(dict.fromkeys(ensembles.architecture)):
                ens, mem = (
                    f[
                        (f.protocol == protocol)
                        & (f.group == group)
                        & (f.eval_set == eval_set)
                        & (f.architecture == arch)
                    ].sort_values("epoch")
                    for f in (ensembles, members)
                )
                ls, marker = STYLES.get(arch, ("-", "o"))
                ax.plot(
                    ens.epoch,
                    ens[metric],
                    color=f"C{i}",
                    ls=ls,
                    marker=marker,
                    ms=4,
                    label=f"{label(arch)} ensemble ({int(ens['size'].iloc[0])})",
                )
                ax.plot(
                    mem.epoch,
                    mem[f"{metric}_mean"],
                    color=f"C{i}",
                    ls=":",
                    lw=1,
                    label=f"{label(arch)} members",
                )
                ax.fill_between(
                    mem.epoch, mem[f"{metric}_q025"], mem[f"{metric}_q975"], color=f"C{i}", alpha=0.08
                )
            if metric == "div":
                ax.set_yscale("log")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_title(f"{protocol}, {group}: {metric.upper()}, {SET_LABELS[eval_set]}", fontsize=9)
            ax.set_xlabel("epoch (0 = initialisation)")
            ax.set_ylabel(METRIC_LABELS[metric], fontsize=8)
    _legend(fig, axes)
    save_figure(fig, png, pdf)


def render_figure8(summary_csv: str, png: str, pdf: str, scale: str) -> None:
    figure_sizes(pd.read_csv(summary_csv), png, pdf, scale)


def render_figure9(runs: list[list[str]], png: str, pdf: str, scale: str, ddof: int) -> None:
    figure_epochs(read_evaluations(runs), png, pdf, scale, ddof)
