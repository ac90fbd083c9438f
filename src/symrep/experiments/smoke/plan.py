"""What defines one SMOKE run, from the experiment's configuration (torch-free: the workflow imports it)."""

from __future__ import annotations

from symrep.config import ConfigError

#: model -> (architecture, loss): "plain" = Wang et al.'s autoregressive loss; "augmented" = the main
#: paper's: the one-step loss on a randomly quarter-turned window beside the unturned one, plus (ours)
#: λ times the equivariance loss of the latent feature map (λ = 0 for cnn_aug)
MODELS = {
    "cnn": ("cnn", "plain"),
    "mlp": ("mlp", "plain"),
    "cnn_aug": ("cnn", "augmented"),
    "ours": ("cnn", "augmented"),
}


def run_settings(cfg: dict, model: str) -> dict:
    """Everything a training run of `model` depends on besides its data files and seed: changing any
    other setting leaves the run alone."""
    architecture, loss = MODELS[model]
    return {
        "model": model,
        "architecture": architecture,
        "loss": loss,
        "network": cfg["architectures"][architecture],
        "hyperparameters": cfg["hyperparameters"][model],
        "windows": cfg["windows"],
        "training": cfg["training"],
    }


def check(cfg: dict) -> None:
    """What the schema cannot say: every task is a generated simulation, and every window fits in the
    simulated frames. Raises one ConfigError listing all problems."""
    n, frames = cfg["generator"]["simulations"], cfg["generator"]["steps"] - 1
    problems = [
        f"tasks.{split}: {list(task)} is not a generated simulation (k in 1..{n}, j = (k - 1) mod 4)"
        for split, tasks in cfg["tasks"].items()
        for task in tasks
        if not (1 <= task[0] <= n and task[1] == (task[0] - 1) % 4)
    ]
    overlap = {tuple(t) for t in cfg["tasks"]["train"]} & {tuple(t) for t in cfg["tasks"]["test_domain"]}
    if overlap:
        problems.append(f"tasks: {sorted(map(list, overlap))} both in train and test_domain")
    win, tr = cfg["windows"], cfg["training"]
    targets = {
        "train": tr["train_steps"],
        "valid": tr["valid_steps"],
        "test_future": tr["test_steps"],
        "test_domain": tr["test_steps"],
    }
    for split, steps in targets.items():
        starts = range(*win[split])
        if not starts:
            problems.append(f"windows.{split}: {win[split]} holds no window")
        elif (last := starts[-1] + win["offset"] + win["input_frames"] + steps - 1) >= frames:
            problems.append(
                f"windows.{split}: the last window needs frame {last}, the simulations have frames "
                f"0..{frames - 1}"
            )
    if problems:
        raise ConfigError("invalid experiments.smoke configuration:\n  - " + "\n  - ".join(problems))
