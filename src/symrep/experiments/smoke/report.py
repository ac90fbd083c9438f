"""SMOKE's Table 6: Future and Domain RMSE of each model beside the paper's rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from symrep.files import read_json
from symrep.report.aggregate import aggregate, mean_std
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
    stats = aggregate(runs, ["model"], ["future_rmse", "domain_rmse", "params"], ddof=ddof)
    ours = {
        ROWS[r.model]: {
            "future": mean_std(r.future_rmse_mean, r.future_rmse_std),
            "domain": mean_std(r.domain_rmse_mean, r.domain_rmse_std),
            "params_m": f"{r.params_mean / 1e6:.3g}",
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
