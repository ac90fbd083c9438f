"""The verdict rule, the table beside the paper, the claims and the reproduction summary's counts."""

import math

import pandas as pd
import pytest
import yaml

from symrep.report.beside import beside
from symrep.report.claims import evaluate
from symrep.report.summary import cell_counts, write_summary
from symrep.report.verdicts import count_verdict, mean_verdict


def test_accuracy_inside_on_and_beyond_the_bound():
    # σ_run = 0.01, σ_paper = 0.02: bound 2·√(0.01² + 0.02²) = 0.04472
    bound = 2 * math.hypot(0.01, 0.02)
    assert mean_verdict(0.90 + 0.04, 0.01, 0.90, 0.02, "accuracy", "paper").outcome == "reproduced"
    on = mean_verdict(0.90 + bound, 0.01, 0.90, 0.02, "accuracy", "paper")
    assert on.outcome == "reproduced" and on.bound == pytest.approx(bound)
    beyond = mean_verdict(0.90 - 0.045, 0.01, 0.90, 0.02, "accuracy", "paper")
    assert beyond.outcome == "differs" and beyond.delta == pytest.approx(-0.045)


def test_accuracy_floor_of_0005_on_each_side():
    # both stds below the floor: bound 2·√2·0.005 = 0.01414
    assert mean_verdict(0.914, 0.0, 0.900, 0.001, "auc", "paper").outcome == "reproduced"
    assert mean_verdict(0.915, 0.0, 0.900, 0.001, "accuracy", "paper").outcome == "differs"
    assert mean_verdict(0.9, 0.0, 0.9, 0.0, "accuracy", "paper").bound == pytest.approx(
        2 * math.sqrt(2) * 0.005
    )


def test_rmse_floor_is_one_percent_of_the_papers_value():
    # paper 0.80 (0.00): floor 0.008 each side, bound 2·√2·0.008 = 0.02263
    assert mean_verdict(0.822, 0.0, 0.80, 0.0, "rmse", "paper").outcome == "reproduced"
    assert mean_verdict(0.823, 0.0, 0.80, 0.0, "rmse", "paper").outcome == "differs"


def test_other_scales_are_not_comparable_but_still_computed():
    quick = mean_verdict(0.5, 0.01, 0.9, 0.01, "accuracy", "quick")
    assert quick.outcome == "differs" and not quick.comparable
    assert quick.label == "not comparable (quick) [differs]"
    assert (
        mean_verdict(0.9, 0.01, 0.9, 0.01, "accuracy", "quick").label == "not comparable (quick) [reproduced]"
    )
    assert mean_verdict(0.9, 0.01, None, None, "accuracy", "quick").label == "no paper number"


def test_counts_within_one_of_the_papers():
    assert count_verdict({"+1": 22, "-1": 20}, {"+1": 21, "-1": 21}, "paper").outcome == "reproduced"
    assert count_verdict({"+1": 23, "-1": 19}, {"+1": 21, "-1": 21}, "paper").outcome == "differs"
    assert count_verdict({"a": 5.33, "b": 9.70}, {"a": 5, "b": 10}, "paper").delta == pytest.approx(0.33)
    assert count_verdict({"a": 1}, {}, "paper").outcome == "no paper number"


def cells():
    rows = []
    for model, run in (("CNN", 0.90), ("Ours", 0.95)):
        for protocol in ("released", "described"):
            for column, paper in (("C4", 0.907), ("D1", 0.938)):
                rows.append(
                    {
                        "model": model,
                        "protocol": protocol,
                        "column": column,
                        "kind": "accuracy",
                        "run_mean": run + (0.01 if protocol == "described" else 0),
                        "run_std": 0.002,
                        "runs": 5,
                        "paper_mean": paper if model == "CNN" else paper + 0.01,
                        "paper_std": 0.004,
                    }
                )
    return pd.DataFrame(rows)


def test_beside_labels_protocols_and_adds_a_verdict_per_cell():
    paper_only = pd.DataFrame([{"model": "SCNN", "column": "C4", "paper_mean": 0.48, "paper_std": 0.01}])
    table, records = beside(
        cells(), paper_only, ["model"], table="t", scale="paper", row_order=[("CNN",), ("SCNN",), ("Ours",)]
    )
    assert table["model"].tolist() == ["CNN", "CNN", "CNN", "SCNN", "Ours", "Ours", "Ours"]
    assert table["source"].tolist()[:4] == ["this run", "this run", "paper", "paper (not reproduced here)"]
    assert table["protocol"].tolist()[:3] == ["released", "described", ""]
    assert list(table.columns) == ["model", "source", "protocol", "C4", "C4 verdict", "D1", "D1 verdict"]
    cnn = table.iloc[0]
    assert (
        cnn["C4"] == "0.900 (0.002)" and cnn["C4 verdict"] == "reproduced" and cnn["D1 verdict"] == "differs"
    )
    assert table.iloc[2]["C4"] == "0.907 (0.004)" and table.iloc[2]["C4 verdict"] == ""
    assert len(records) == 8 and set(records["outcome"]) == {"reproduced", "differs"}


def test_claims_hold_fail_or_are_not_testable():
    _, records = beside(
        cells(),
        pd.DataFrame(columns=["model", "column", "paper_mean", "paper_std"]),
        ["model"],
        table="t",
        scale="paper",
    )
    claim = {
        "id": "c",
        "experiment": "x",
        "claim": "Ours beats CNN",
        "source": "s",
        "predicate": "greater",
        "table": "t",
        "better": {"model": "Ours"},
        "worse": {"model": "CNN"},
        "columns": ["C4", "D1"],
    }
    result = evaluate([claim], records, pd.DataFrame(), {"x"})
    assert result["outcome"].tolist() == ["holds", "holds"] and "C4: 0.95 vs 0.9" in result["detail"].iloc[0]
    assert (
        evaluate([{**claim, "predicate": "lower"}], records, pd.DataFrame(), {"x"})["outcome"].tolist()
        == ["fails"] * 2
    )
    assert evaluate([claim], records, pd.DataFrame(), set())["outcome"].tolist() == ["not testable"]
    quick = evaluate([claim], records, pd.DataFrame(), {"x"}, "quick")["outcome"].tolist()
    assert quick == ["not comparable (quick) [holds]"] * 2
    against_each = {**claim, "worse": [{"model": "CNN"}, {"model": "Ours"}]}  # Ours is not above itself
    assert evaluate([against_each], records, pd.DataFrame(), {"x"})["outcome"].tolist() == ["fails"] * 2
    against_one = {**claim, "worse": [{"model": "CNN"}]}
    assert evaluate([against_one], records, pd.DataFrame(), {"x"})["outcome"].tolist() == ["holds"] * 2
    missing = evaluate([{**claim, "columns": ["D4"]}], records, pd.DataFrame(), {"x"})
    assert set(missing["outcome"]) == {"not testable"}
    reported = pd.DataFrame(
        [{"claim": "r", "protocol": "released", "outcome": "fails", "detail": "3.1 < 3.4"}]
    )
    own = evaluate([{**claim, "id": "r", "predicate": "reported"}], records, reported, {"x"})
    assert own[["protocol", "outcome", "detail"]].values.tolist() == [["released", "fails", "3.1 < 3.4"]]
    silent = evaluate([{**claim, "id": "r", "predicate": "reported"}], records, pd.DataFrame(), {"x"})
    assert silent["outcome"].tolist() == ["not testable"]  # an enabled experiment that reports no claims file


def test_summary_counts_cells_per_table_and_protocol():
    # released: CNN C4 (Δ -0.007) and Ours D1 (Δ +0.002) are reproduced; CNN D1 and Ours C4 differ
    _, paper = beside(
        cells(),
        pd.DataFrame(columns=["model", "column", "paper_mean", "paper_std"]),
        ["model"],
        table="t",
        scale="paper",
    )
    counts = cell_counts(paper).set_index("protocol")
    assert counts.loc["released", ["reproduced", "differs", "not comparable", "cells"]].tolist() == [
        2,
        2,
        0,
        4,
    ]
    _, quick = beside(
        cells(),
        pd.DataFrame(columns=["model", "column", "paper_mean", "paper_std"]),
        ["model"],
        table="t",
        scale="quick",
    )
    assert cell_counts(quick).set_index("protocol").loc[
        "released", ["reproduced", "not comparable"]
    ].tolist() == [0, 4]


def test_summary_counts_learned_matrices_that_are_no_representation_apart():
    records = pd.DataFrame(
        [
            {
                "table": "table2",
                "protocol": "released",
                "outcome": "not interpretable (residual ≥ 0.8)",
                "scale": "paper",
            },
            {"table": "table2", "protocol": "released", "outcome": "reproduced", "scale": "paper"},
            {"table": "table2", "protocol": "released", "outcome": "no paper number", "scale": "paper"},
        ]
    )
    row = cell_counts(records).iloc[0]
    assert [row[k] for k in ("reproduced", "not interpretable", "no paper number", "cells")] == [1, 1, 1, 3]


def test_summary_keeps_a_table_without_protocols_and_judges_its_claims(tmp_path):
    rows = [
        {"group": group, "protocol": "", "column": "MNIST", "kind": "mse", "run_mean": mean, "run_std": 0.1}
        for group, mean in (("coarse", 33.5), ("trivial", 33.9))
    ]
    _, records = beside(
        pd.DataFrame(rows).assign(runs=3, paper_mean=33.7, paper_std=0.1),
        pd.DataFrame(columns=["group", "column", "paper_mean", "paper_std"]),
        ["group"],
        table="inpainting",
        scale="paper",
    )
    records.to_csv(tmp_path / "verdicts.csv", index=False)  # "" is read back as NaN
    claim = {"id": "c", "experiment": "x", "claim": "coarse is best", "source": "s", "predicate": "lower"}
    claim |= {"table": "inpainting", "better": {"group": "coarse"}, "worse": [{"group": "trivial"}]}
    (tmp_path / "claims.yaml").write_text(yaml.safe_dump({"claims": [{**claim, "columns": ["MNIST"]}]}))
    outputs = {k: str(tmp_path / f"out.{k}") for k in ("md", "html", "cells", "claims")}
    write_summary([tmp_path / "verdicts.csv"], [], tmp_path / "claims.yaml", ["x"], "paper", outputs)
    assert pd.read_csv(outputs["cells"])[["table", "cells"]].values.tolist() == [["inpainting", 2]]
    assert pd.read_csv(outputs["claims"])["outcome"].tolist() == ["holds"]
