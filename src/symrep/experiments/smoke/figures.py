"""SMOKE's figures: Figure 2 (a plume and its quarter turns beside the plumes simulated turned) and
Figure 7 (a velocity field before and after the group action), both with the described (exact) action;
Figure 7 also shows the released one."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from symrep.experiments.smoke.action import act, cell_centred, relative_difference, target_plume
from symrep.files import read_json
from symrep.report.figures import save_figure


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


def figure2(check_file, card_file, action: str, png, pdf) -> None:
    """Top: plume 0 acted on by r^j (`action`, the described protocol's); bottom: the plume simulated with
    inflow and buoyancy turned by r^j. Equal columns = an equivariant simulation and an exact action."""
    plumes, card = np.load(check_file), read_json(card_file)["symmetry_check"]
    t = _frame(plumes)
    base = torch.from_numpy(plumes[0, t])
    turned = [act(j, base, action).numpy() for j in range(4)]
    vmax = _vmax(plumes[:, t])
    fig, axes = plt.subplots(2, 4, figsize=(12, 6.6))
    for j in range(4):
        err = float(relative_difference(turned[j][None], plumes[target_plume(j, action), t][None])[0])
        _panel(axes[0, j], turned[j], f"$r^{j}$ · plume 0  (rel. diff. {err:.1e})", vmax)
        _panel(axes[1, j], plumes[j, t], f"simulated, turned by $r^{j}$", vmax)
    axes[0, 0].set_ylabel(f"action '{action}' on plume 0")
    axes[1, 0].set_ylabel("inflow and buoyancy turned")
    largest = max(v["max"] for v in card[f"stored_{action}"].values())
    fig.suptitle(
        f"SMOKE: a plume and its quarter turns (speed and velocity, frame {t}, buoyancy {card['buoyancy']:g})"
        f"\nthe turned and the simulated plumes differ by at most {largest:.1e} (relative, any frame and turn)",
        fontsize=10,
    )
    save_figure(fig, png, pdf)


def figure7(check_file, actions: list[list[str]], png, pdf) -> None:
    """A velocity field, the field turned by r under each protocol's action ([protocol, action] pairs), and
    the grid turned without reorienting the vectors (what the action must not be)."""
    plumes = np.load(check_file)
    field = torch.from_numpy(plumes[0, _frame(plumes)])
    meaning = {"staggered": "the exact turn", "released": "grid turned clockwise, vectors counter-clockwise"}
    panels = [
        (field.numpy(), "velocity field u"),
        *((act(1, field, a).numpy(), f"r · u, {p} action '{a}'\n({meaning[a]})") for p, a in actions),
        (torch.rot90(field, -1, dims=(-2, -1)).numpy(), "grid turned, vectors not reoriented"),
    ]
    vmax = _vmax(field.numpy())
    fig, axes = plt.subplots(1, len(panels), figsize=(3.5 * len(panels), 4.0))
    for ax, (f, title) in zip(axes, panels):
        _panel(ax, f, title, vmax)
    fig.suptitle(
        "The C4 action on a velocity field: rotating the grid must also rotate each vector", fontsize=10
    )
    save_figure(fig, png, pdf)
