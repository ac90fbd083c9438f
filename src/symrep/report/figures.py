"""The figures' common style (seaborn's, for print) and saving them as PNG and PDF (non-interactive
backend, atomic writes)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns

from symrep.plumbing import atomic_path

sns.set_theme(context="paper", style="ticks", font_scale=1.1)


def save_figure(fig: plt.Figure, png: str | Path, pdf: str | Path, dpi: int = 150) -> None:
    for path, fmt in ((png, "png"), (pdf, "pdf")):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
