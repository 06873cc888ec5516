"""The evaluator's own rules on hand-computed cases (no oracle needed): graph parsing, propagation, metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from services.errors import InputFileError, InvalidInput
from services.evaluation.cafa import EvalOptions, evaluate
from services.evaluation.files import read_ia, read_pairs, read_prediction_file
from services.evaluation.graph import graph_from_edges, graph_from_obo
from tests.ontology.fixtures import MINI_GO


def _ancestors(graph, term):
    row = graph.ancestors[graph.index[term]]
    return {graph.ids[i] for i in row.indices}


def test_obo_graph_follows_is_a_and_part_of_only(tmp_path):
    path = tmp_path / "mini.obo"
    path.write_text(MINI_GO)
    graph = graph_from_obo(path)
    assert _ancestors(graph, "GO:0000012") == {"GO:0000012", "GO:0000011", "GO:0000010", "GO:0000001"}
    # regulates and has_part are not propagated over
    assert _ancestors(graph, "GO:0000020") == {"GO:0000020", "GO:0000001"}
    assert "GO:0000050" not in graph.index  # obsolete
    assert graph.resolve("GO:0000099") == (graph.index["GO:0000031"],)  # alt_id
    assert graph.namespaces == ("BPO", "MFO", "CCO")
    assert graph.namespace[graph.index["GO:0000031"]] == "MFO"


def test_edges_across_namespaces_are_dropped_and_cycles_refused():
    terms = [("R", "BPO", ()), ("A", "BPO", ()), ("M", "MFO", ())]
    graph = graph_from_edges(terms, [("A", "R"), ("M", "A")])
    assert _ancestors(graph, "M") == {"M"}
    assert not graph.has_parent[graph.index["M"]]
    with pytest.raises(InvalidInput, match="cycle"):
        graph_from_edges(terms, [("A", "R"), ("R", "A")])


def _tree():
    # R <- A <- B, R <- C (one namespace)
    terms = [("R", "BPO", ()), ("A", "BPO", ("A_ALT",)), ("B", "BPO", ()), ("C", "BPO", ())]
    return graph_from_edges(terms, [("A", "R"), ("B", "A"), ("C", "R")])


def _frame(rows, columns):
    return pd.DataFrame(rows, columns=columns)


def test_fmax_by_hand():
    graph = _tree()
    truth = _frame([("t1", "A"), ("t2", "C")], ["target", "term"])
    preds = _frame([("t1", "A", 0.8), ("t1", "C", 0.3), ("t2", "C", 0.5)], ["target", "term", "score"])
    result = evaluate(graph, preds, truth)
    curve = result.curve.set_index("tau")
    at_03 = curve.iloc[29]  # tau 0.3: t1 predicts {A, C, R} against {A, R}; t2 {C, R} against {C, R}
    assert at_03["pr"] == pytest.approx((2 / 3 + 1) / 2)
    assert at_03["rc"] == pytest.approx(1.0)
    best = result.best.set_index("metric")
    # the first threshold above 0.3 drops the wrong C of t1: precision and recall are both 1
    assert best.loc["f", "f"] == pytest.approx(1.0)
    assert best.loc["f", "tau"] == pytest.approx(0.31)
    assert best.loc["f", "n"] == 2 and best.loc["f", "cov"] == 1.0
    assert best.loc["s", "s"] == pytest.approx(0.0)
    assert list(best.index) == ["f", "f_micro", "s"]  # no weighted rows without IA
    assert np.isnan(best.loc["f", "f_w"])


def test_fill_keeps_a_terms_own_score_while_max_takes_the_highest_below():
    graph = _tree()
    truth = _frame([("t1", "A")], ["target", "term"])
    preds = _frame([("t1", "A", 0.3), ("t1", "B", 0.9)], ["target", "term", "score"])
    at_half = {}
    for prop in ("max", "fill"):
        curve = evaluate(graph, preds, truth, options=EvalOptions(prop=prop)).curve
        at_half[prop] = curve[np.isclose(curve["tau"], 0.5)].iloc[0]
    assert at_half["max"]["pr"] == pytest.approx(2 / 3)  # {B, A, R} predicted, {A, R} true
    assert at_half["fill"]["pr"] == pytest.approx(0.0)  # only {B}: A and R keep 0.3


def test_known_terms_are_neither_truth_nor_prediction():
    graph = _tree()
    truth = _frame([("t1", "B")], ["target", "term"])  # propagated: B, A, R
    known = _frame([("t1", "A")], ["target", "term"])  # propagated: A, R
    preds = _frame([("t1", "B", 0.2), ("t1", "C", 0.9)], ["target", "term", "score"])
    best = evaluate(graph, preds, truth, known=known).best.set_index("metric")
    # only B is left to find; C is wrong; at tau <= 0.2 both are predicted -> pr 1/2, rc 1
    assert best.loc["f", "pr"] == pytest.approx(0.5)
    assert best.loc["f", "rc"] == pytest.approx(1.0)


def test_weighted_metrics_use_ia_and_drop_zero_ia_terms():
    graph = _tree()
    truth = _frame([("t1", "B")], ["target", "term"])
    preds = _frame([("t1", "A", 0.9)], ["target", "term", "score"])
    best = evaluate(graph, preds, truth, ia={"A": 1.0, "B": 3.0, "R": 0.0}).best.set_index("metric")
    assert list(best.index) == ["f", "f_micro", "f_w", "f_micro_w", "s"]
    assert best.loc["f_w", "rc_w"] == pytest.approx(1 / 4)  # found A (1) of A + B (4)
    assert best.loc["f_w", "pr_w"] == pytest.approx(1.0)


def test_dropped_rows_are_counted_by_reason():
    graph = _tree()
    truth = _frame([("t1", "A"), ("t1", "GO:404")], ["target", "term"])
    preds = _frame([("t1", "A_ALT", 0.5), ("t1", "nope", 0.5), ("t9", "A", 0.5)], ["target", "term", "score"])
    result = evaluate(graph, preds, truth)
    assert result.dropped == {
        "ground_truth_term_not_in_ontology": 1,
        "prediction_term_not_in_ontology": 1,
        "prediction_target_not_in_ground_truth": 1,
    }
    assert result.best.set_index("metric").loc["f", "f"] == pytest.approx(1.0)  # A_ALT stands for A


def test_bad_options_and_inputs_are_one_sentence():
    with pytest.raises(InvalidInput, match="norm must be one of"):
        EvalOptions(norm="macro")
    with pytest.raises(InvalidInput, match="lack the column"):
        evaluate(_tree(), pd.DataFrame({"target": []}), pd.DataFrame({"target": [], "term": []}))


def test_file_errors_name_file_and_line(tmp_path):
    preds = tmp_path / "p.tsv"
    preds.write_text("AUTHOR me\nt1\tGO:1\t0.5\n\nt1\tGO:2\thigh\n")
    with pytest.raises(InputFileError, match=r"p.tsv, line 4: the score 'high' is not a number"):
        read_prediction_file(preds)
    preds.write_text("AUTHOR me\nt1\tGO:1\t0.5\n")
    assert read_prediction_file(preds).skipped_lines == 1
    ia = tmp_path / "ia.tsv"
    ia.write_text("GO:1\t1.5\nGO:2\n")
    with pytest.raises(InputFileError, match=r"ia.tsv, line 2: expected two fields"):
        read_ia(ia)
    gt = tmp_path / "gt.tsv"
    gt.write_text("t1 GO:1\nlonely\n")
    with pytest.raises(InputFileError, match=r"gt.tsv, line 2"):
        read_pairs(gt)


def test_an_obo_with_a_cycle_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "loop.obo"
    path.write_text("[Term]\nid: X:1\nnamespace: n\nis_a: X:2\n\n[Term]\nid: X:2\nnamespace: n\nis_a: X:1\n")
    with pytest.raises(InputFileError, match=r"loop.obo: the ontology has a cycle through term X:"):
        graph_from_obo(path)
    empty = tmp_path / "empty.obo"
    empty.write_text("format-version: 1.2\n")
    with pytest.raises(InputFileError, match="holds no ontology term"):
        graph_from_obo(empty)
