"""The Naive and homology baselines on the real database (seeded through the real loaders): frequencies,
identity-scored transfer, leakage, storage as ordinary prediction sets, the CLI and the job."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from services.cli import main
from services.db.engine import session_scope
from services.errors import InvalidInput, PermissionDenied
from services.evaluation.baselines import BaselineParams, homology_hits, predict_baseline
from services.jobs import service
from services.predictions.reference import Protein
from tests.conftest import wait_for
from tests.predictions.seed import CURATOR, VIEWER, seed_catalog


@pytest.fixture
def catalog(db_url, tmp_path):
    return seed_catalog(tmp_path)


def _predictions(set_id: int) -> dict[tuple[str, str], dict]:
    with session_scope() as s:
        rows = s.execute(
            text(
                "SELECT p.*, t.go_id FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id "
                "WHERE prediction_set_id = :s"
            ),
            {"s": set_id},
        ).mappings()
        return {(r["protein_accession"], r["go_id"]): dict(r) for r in rows}


def _set(set_id: int) -> dict:
    with session_scope() as s:
        return dict(s.execute(text("SELECT * FROM prediction_set WHERE id = :s"), {"s": set_id}).mappings().one())


def test_naive_scores_are_propagated_frequencies_per_namespace(catalog):
    result = predict_baseline("naive", catalog.annotation_set_id, CURATOR, query_set="queries")
    got = _predictions(result.prediction_set_id)
    # Transferable: P00001 GO:1 (MF), P00002 GO:4 (MF), P00003 GO:5 (MF), P00004 GO:6 (BP); GO:2 is IEA and
    # GO:3 is NOT-qualified. MF: three proteins, each term once, the root GO:10 (their parent) on all three.
    expected = {"GO:0000001": 1 / 3, "GO:0000004": 1 / 3, "GO:0000005": 1 / 3, "GO:0000010": 1.0, "GO:0000006": 1.0}
    for query in ("Q1", "Q2"):
        scores = {go: row["score"] for (acc, go), row in got.items() if acc == query}
        assert scores == pytest.approx(expected)
    row = got[("Q1", "GO:0000010")]
    assert row["ref_protein_accession"] is None and row["distance"] is None
    assert row["go_term_frequency"] == 1.0 and row["aspect"] == "F"
    stored = _set(result.prediction_set_id)
    assert stored["params"]["method"] == "naive" and stored["embedding_config_id"] is None
    assert stored["prediction_count"] == result.predictions == 10 and stored["reference_count"] == 4


def test_homology_transfers_hit_terms_scored_by_identity_without_leakage(catalog):
    result = predict_baseline("homology", catalog.annotation_set_id, CURATOR, query_set="queries")
    got = _predictions(result.prediction_set_id)
    q1 = {go: row for (acc, go), row in got.items() if acc == "Q1"}
    # P00003 has Q1's very sequence: excluded, so its GO:0000005 is not transferred.
    assert set(q1) == {"GO:0000001", "GO:0000004"}
    assert q1["GO:0000001"]["ref_protein_accession"] == "P00001"
    assert q1["GO:0000004"]["ref_protein_accession"] == "P00002"
    for row in q1.values():
        assert row["score"] == pytest.approx(row["identity_sw"]) and 0.9 < row["score"] <= 1.0
        assert row["distance"] == pytest.approx(1 - row["score"])
    q2 = {go: row for (acc, go), row in got.items() if acc == "Q2"}
    assert set(q2) == {"GO:0000006"} and q2["GO:0000006"]["score"] == pytest.approx(1.0)  # P00004 within Q2
    stored = _set(result.prediction_set_id)
    assert stored["params"]["method"] == "homology" and stored["k"] == 10 and stored["exclude_identical"]
    with session_scope() as s:
        hits = s.execute(
            text("SELECT ref_protein_accession FROM prediction_neighbor WHERE prediction_set_id = :s "
                 "AND protein_accession = 'Q1' ORDER BY rank"),
            {"s": result.prediction_set_id},
        ).scalars().all()  # fmt: skip
    assert "P00003" not in hits and {"P00001", "P00002"} <= set(hits)


def test_homology_never_transfers_a_querys_own_annotations(catalog):
    result = predict_baseline("homology", catalog.annotation_set_id, CURATOR, accessions=["P00001"])
    terms = {go for acc, go in _predictions(result.prediction_set_id)}
    assert "GO:0000001" not in terms  # only P00001 itself carries it
    assert "GO:0000005" in terms  # from P00003, a similar (not identical) sequence


def test_identity_is_the_share_of_identical_aligned_positions():
    base = "MSTNPKPQRKTKRNTNRRPQDVKFPGGGQIVGGVYLLPRRGPRLGVRATRKTSERSQPRGRRQPIPKARRPEGRTWAQPGYPWPLYGNEGCGWAGWLLSPRGS"
    mutated = list(base)
    for position in (30, 50, 70):
        mutated[position] = "W" if mutated[position] != "W" else "A"
    query = Protein("Q", 1, None)
    refs = [Protein("R1", 2, None), Protein("Q", 1, None), Protein("R3", 3, None)]
    sequences = {1: "".join(mutated), 2: base, 3: "".join(mutated)}
    hits = homology_hits([query], refs, sequences, BaselineParams(threads=1))[0]
    # R1: three substitutions over the whole length; Q itself and R3 (identical sequence) are leakage.
    assert [(refs[h[0]].accession, round(h[1], 6)) for h in hits] == [("R1", round(1 - 3 / len(base), 6))]
    kept = homology_hits([query], refs, sequences, BaselineParams(threads=1, exclude_identical=False))[0]
    assert {refs[h[0]].accession for h in kept} == {"R1", "R3"}


def test_bad_requests_are_refused(catalog):
    with pytest.raises(PermissionDenied):
        predict_baseline("naive", catalog.annotation_set_id, VIEWER, query_set="queries")
    with pytest.raises(InvalidInput, match="unknown baseline"):
        predict_baseline("blast", catalog.annotation_set_id, CURATOR, query_set="queries")
    with pytest.raises(InvalidInput, match="no transferable annotation"):
        params = BaselineParams(evidence_codes=("ND",))
        predict_baseline("naive", catalog.annotation_set_id, CURATOR, query_set="queries", params=params)


def test_cli_predict_method_naive_and_knn_still_needs_a_config(catalog, capsys):
    args = ["predict", "--method", "naive", "--annotation-set", str(catalog.annotation_set_id), "--json"]
    assert main([*args, "--query-set", "queries"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "naive" and out["queries"] == 2 and out["predictions"] == 10
    assert main(["predict", "--annotation-set", str(catalog.annotation_set_id), "--query-set", "queries"]) == 1
    assert "--config" in capsys.readouterr().err


def test_baseline_runs_as_a_job(catalog, start_worker):
    payload = {"method": "homology", "annotation_set_id": catalog.annotation_set_id, "query_set": "queries"}
    with session_scope() as s:
        job = service.submit(s, "evaluation.baseline", payload, CURATOR)
    start_worker("--import-module", "services.evaluation.baselines")

    def finished():
        with session_scope() as s:
            found = service.get_job(s, job.id)
        return found if found.is_finished else None

    done = wait_for(finished, timeout=90, message="baseline job")
    assert done.status == "succeeded", done
    assert done.findings["method"] == "homology" and done.findings["predictions"] == 3
    assert done.progress_current == done.progress_total == 2
