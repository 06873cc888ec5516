"""``workbench cafa-eval``: JSON rows per file x namespace x metric, the readable table, one-sentence errors."""

from __future__ import annotations

import json

from services.cli import main
from tests.evaluation.cases import write_case

KEYS = {"file", "namespace", "metric", "tau", "n", "tp", "fp", "fn", "pr", "rc", "cov", "f", "s", "f_micro"}
WEIGHTED = {"pr_w", "rc_w", "f_w", "f_micro_w"}


def test_json_rows_per_file_namespace_and_metric(tmp_path, capsys):
    case = write_case(tmp_path, seed=7)
    assert main(["cafa-eval", str(case.obo), str(case.predictions), str(case.ground_truth), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = report["best"]
    assert {r["file"] for r in rows} == {"method_0.tsv", "method_1.tsv"}
    assert {r["metric"] for r in rows} == {"f", "f_micro", "s"}
    assert all(set(r) == KEYS | WEIGHTED for r in rows)
    assert all(r[k] is None for r in rows for k in WEIGHTED)
    keys = [(r["file"], r["namespace"], r["metric"]) for r in rows]
    assert len(keys) == len(set(keys)) == 2 * 3 * 3
    assert all(0 < r["f"] <= 1 and isinstance(r["n"], int) for r in rows)
    assert report["dropped"]["method_0.tsv"]["prediction_term_not_in_ontology"] > 0


def test_ia_adds_weighted_rows_and_options_change_the_result(tmp_path, capsys):
    case = write_case(tmp_path, seed=8)
    base = ["cafa-eval", str(case.obo), str(case.predictions / "method_0.tsv"), str(case.ground_truth), "--json"]
    assert main([*base, "--ia", str(case.ia)]) == 0
    rows = json.loads(capsys.readouterr().out)["best"]
    assert {r["metric"] for r in rows} == {"f", "f_micro", "f_w", "f_micro_w", "s"}
    assert all(r["f_w"] is not None for r in rows)
    assert main([*base, "--known", str(case.known), "--toi", str(case.toi), "--norm", "gt", "--no-orphans"]) == 0
    pk_rows = json.loads(capsys.readouterr().out)["best"]
    plain = {(r["namespace"], r["metric"]): r["f"] for r in rows}
    assert any(plain[(r["namespace"], r["metric"])] != r["f"] for r in pk_rows)


def test_table_and_dropped_counts_for_people(tmp_path, capsys):
    case = write_case(tmp_path, seed=9)
    assert main(["cafa-eval", str(case.obo), str(case.predictions), str(case.ground_truth)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["file", "namespace", "metric", "tau"]
    assert "BPO" in out and "method_1.tsv" in out
    assert "dropped" in out and "prediction term not in ontology" in out


def test_bad_file_is_one_sentence_without_traceback(tmp_path, capsys):
    case = write_case(tmp_path, seed=10)
    bad = tmp_path / "bad.tsv"
    bad.write_text("T1\tGO:0000002\t0.4\nT1\tGO:0000003\tmaybe\n")
    assert main(["cafa-eval", str(case.obo), str(bad), str(case.ground_truth)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: {bad}, line 2: the score 'maybe' is not a number"
    assert main(["cafa-eval", str(tmp_path / "missing.obo"), str(bad), str(case.ground_truth)]) == 1
    assert "missing.obo: cannot be read" in capsys.readouterr().err
