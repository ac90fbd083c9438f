import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from symrep.report.aggregate import aggregate, mean_std
from symrep.report.claims import load_claims
from symrep.report.reference import load_reference, reference_frame
from symrep.report.tables import latex_escape, to_markdown, write_table


def test_aggregate_population_and_sample_std():
    frame = pd.DataFrame({"model": ["a", "a", "a", "b"], "acc": [0.1, 0.2, 0.3, 0.5]})
    population = aggregate(frame, ["model"], ["acc"])
    sample = aggregate(frame, ["model"], ["acc"], ddof=1)
    a = population.set_index("model").loc["a"]
    assert a["acc_mean"] == pytest.approx(0.2) and a["n"] == 3
    assert a["acc_std"] == pytest.approx(np.std([0.1, 0.2, 0.3]))
    assert sample.set_index("model").loc["a", "acc_std"] == pytest.approx(np.std([0.1, 0.2, 0.3], ddof=1))
    assert population.set_index("model").loc["b", "acc_std"] == 0.0  # one run: zero spread, not NaN


def test_mean_std_cell():
    assert mean_std(0.90712, 0.0041) == "0.907 (0.004)"


def test_write_table_renders_all_three_formats(tmp_path):
    frame = pd.DataFrame({"model": ["CNN_x"], "acc": [0.5], "note": [None]})
    write_table(frame, tmp_path / "t", title="Table 1: a & b.", scale="test", notes=["paper = somewhere"])
    assert pd.read_csv(tmp_path / "t.csv").shape == (1, 3)
    markdown = (tmp_path / "t.md").read_text()
    assert (
        "Run at scale: **test**" in markdown
        and "| CNN_x | 0.5 |  |" in markdown
        and "- paper = somewhere" in markdown
    )
    latex = (tmp_path / "t.tex").read_text()
    assert r"\toprule" in latex and r"CNN\_x" in latex and r"a \& b" in latex and "scale: test" in latex


def test_latex_escape_and_markdown_pipes():
    assert latex_escape("50% of $x_1$") == r"50\% of \$x\_1\$"
    assert "a\\|b" in to_markdown(pd.DataFrame({"c": ["a|b"]}))


REFERENCES = sorted(p for p in (REPO / "config" / "reference").glob("*.yaml") if p.name != "claims.yaml")


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: p.name)
def test_every_reference_file_cites_its_source(path):
    reference = load_reference(path)
    assert reference["paper"] and reference["source"] and len(reference_frame(path)) > 0


def test_every_claim_quotes_its_source_and_names_a_known_predicate():
    claims = load_claims(REPO / "config" / "reference" / "claims.yaml")
    assert len({c["id"] for c in claims}) == len(claims) >= 10
    for claim in claims:
        assert claim["predicate"] in ("greater", "lower", "reported"), claim["id"]
        assert claim["claim"] and claim["source"], claim["id"]
        if claim["predicate"] != "reported":
            assert claim["table"] and claim["better"] and claim["worse"] and claim["columns"], claim["id"]


def test_reference_without_source_is_rejected(tmp_path):
    (tmp_path / "r.yaml").write_text("paper: x\nrows: []\n")
    with pytest.raises(ValueError, match="source"):
        load_reference(tmp_path / "r.yaml")
