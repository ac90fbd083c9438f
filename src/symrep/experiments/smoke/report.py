"""SMOKE outputs: Table 6 beside the paper's rows, Figure 2 (plumes and their quarter turns), Figure 7
(a velocity field before and after the group action)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from symrep.data.smoke import cell_centred, relative_difference
from symrep.data.smoke_action import act, target_plume
from symrep.files import read_json
from symrep.report.aggregate import aggregate, mean_std
from symrep.report.figures import save_figure
from symrep.report.reference import citation, load_reference
from symrep.report.tables import write_table

#: this run's models as Table 6 names them: (group, model, augmented)
ROWS = {
    "cnn": ("N/A", "CNN", "No"),
    "cnn_aug": ("N/A", "CNN", "Yes"),
    "mlp": ("N/A", "MLP", "No"),
    "ours": ("C4", "Ours", "Yes"),
}


def table6(
    run_files, reference: str | Path, stem: str | Path, *, scale: str, ddof: int, training: dict
) -> pd.DataFrame:
    """Mean (std) over seeds of each model's Future and Domain RMSE, each row beside the paper's."""
    runs = pd.DataFrame([read_json(f) for f in run_files])
    stats = aggregate(runs, ["model"], ["future_rmse", "domain_rmse", "parameters"], ddof=ddof)
    ours = {
        ROWS[r.model]: {
            "future": mean_std(r.future_rmse_mean, r.future_rmse_std),
            "domain": mean_std(r.domain_rmse_mean, r.domain_rmse_std),
            "params_m": f"{r.parameters_mean / 1e6:.3g}",
            "runs": f"{int(r.n)} seed{'s' * (r.n != 1)}",
        }
        for r in stats.itertuples()
    }
    rows = []
    for ref in load_reference(reference)["rows"]:
        key = (ref["group"], ref["model"], ref["aug"])
        if key in ours:
            rows.append(
                {"source": "this run", "group": key[0], "model": key[1], "aug": key[2], **ours.pop(key)}
            )
        rows.append(
            {
                "source": "paper",
                "group": key[0],
                "model": key[1],
                "aug": key[2],
                "future": mean_std(ref["future"], ref["future_std"], 2),
                "domain": mean_std(ref["domain"], ref["domain_std"], 2),
                "params_m": f"{ref['params_m']:.2f}",
                "runs": "" if key in ROWS.values() else "not reproduced",
            }
        )
    frame = pd.DataFrame(
        rows, columns=["source", "group", "model", "aug", "future", "domain", "params_m", "runs"]
    )
    notes = [
        f"'this run': test RMSE of {training['test_steps']}-step autoregressive rollouts (Wang et al.'s "
        "batch-averaged definition), mean (std) over seeds (std ddof "
        f"{ddof}); models trained with a {training['train_steps']}-step loss, {training['select']}-"
        f"epoch weights tested, quarter turns acting as '{training['action']}'.",
        f"'paper' = {citation(reference)}; rows marked 'not reproduced' are the paper's numbers only.",
        "params_m: trainable parameters in millions.",
    ]
    write_table(
        frame,
        stem,
        title="Table 6: SMOKE autoregression, test RMSE (Future, Domain).",
        scale=scale,
        notes=notes,
    )
    return frame


def _panel(ax, field: np.ndarray, title: str, vmax: float) -> None:
    """Speed (colour) and velocity arrows of a stored frame, drawn at cell centres, y upward."""
    u = cell_centred(field)
    r, every = u.shape[-1], max(1, u.shape[-1] // 12)
    ax.imshow(np.hypot(u[0], u[1]), origin="lower", cmap="viridis", vmin=0, vmax=vmax, extent=(0, r, 0, r))
    pos = np.arange(every // 2, r, every) + 0.5
    sub = u[:, every // 2 :: every, every // 2 :: every]
    ax.quiver(
        pos,
        pos,
        sub[0],
        sub[1],
        color="white",
        angles="xy",
        scale_units="xy",
        scale=vmax / (0.9 * every),
        width=0.006,
    )
    ax.set_title(title, fontsize=9)
    ax.set_xticks([]), ax.set_yticks([])


def _vmax(fields: np.ndarray) -> float:
    u = cell_centred(fields)
    return float(np.hypot(u[..., 0, :, :], u[..., 1, :, :]).max())


def _frame(plumes: np.ndarray) -> int:
    """A frame where the plumes have risen but not yet filled the box."""
    return min(plumes.shape[1] - 1, max(1, plumes.shape[1] // 6))


def figure2(check_file, card_file, png, pdf) -> None:
    """Top: plume 0 turned by r^j (the group action); bottom: the plume simulated with inflow and buoyancy
    turned by r^j. Equal columns = an equivariant simulation."""
    plumes, card = np.load(check_file), read_json(card_file)["symmetry_check"]
    t = _frame(plumes)
    base = torch.from_numpy(plumes[0, t])
    turned = [act(j, base, "paper").numpy() for j in range(4)]
    vmax = _vmax(plumes[:, t])
    fig, axes = plt.subplots(2, 4, figsize=(12, 6.6))
    for j in range(4):
        err = float(relative_difference(turned[j][None], plumes[target_plume(j, "paper"), t][None])[0])
        _panel(axes[0, j], turned[j], f"$r^{j}$ · plume 0  (rel. diff. {err:.2f})", vmax)
        _panel(axes[1, j], plumes[j, t], f"simulated, turned by $r^{j}$", vmax)
    axes[0, 0].set_ylabel("group action on plume 0")
    axes[1, 0].set_ylabel("inflow and buoyancy turned")
    centred = max(v["max"] for v in card["cell_centred"].values())
    fig.suptitle(
        f"SMOKE: a plume and its quarter turns (speed and velocity, frame {t}, buoyancy {card['buoyancy']:g})"
        f"\nturned and simulated plumes agree to {centred:.1e} at cell centres; relative differences above "
        "are on the stored staggered faces",
        fontsize=10,
    )
    save_figure(fig, png, pdf)


def figure7(check_file, action: str, png, pdf) -> None:
    """A velocity field, the field turned by r (grid turned and vectors reoriented), and the grid turned
    without reorienting the vectors (what the action must not be)."""
    plumes = np.load(check_file)
    field = torch.from_numpy(plumes[0, _frame(plumes)])
    grid_only = (
        torch.rot90(field, 1, dims=(-2, -1))
        if action == "released"
        else torch.rot90(field, -1, dims=(-2, -1))
    )
    panels = [
        (field.numpy(), "velocity field u"),
        (act(1, field, action).numpy(), f"r · u  (action '{action}')"),
        (grid_only.numpy(), "grid turned, vectors not reoriented"),
    ]
    vmax = _vmax(field.numpy())
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.8))
    for ax, (f, title) in zip(axes, panels):
        _panel(ax, f, title, vmax)
    fig.suptitle(
        "The C4 action on a velocity field: rotating the grid must also rotate each vector", fontsize=10
    )
    save_figure(fig, png, pdf)
