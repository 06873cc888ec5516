"""Prediction runs on the real database with the weight-free backend: leakage exclusion, NOT and evidence
filters, per-aspect search, thresholds, alignment and taxonomy features, re-ranker aggregates."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from services.db.engine import session_scope
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.embeddings.configs import add_config
from services.errors import InvalidInput, PermissionDenied
from services.predictions.predict import PredictParams, predict
from tests.support.prediction_seed import CURATOR, VIEWER, seed_catalog

NODES = [(1, 1, "no rank"), (131567, 1, "no rank"), (2, 131567, "superkingdom"), (1224, 2, "phylum"),
         (1236, 1224, "class"), (91347, 1236, "order"), (543, 91347, "family"), (561, 543, "genus"),
         (562, 561, "species")]  # fmt: skip


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


def test_transfer_excludes_leakage_not_and_electronic(catalog) -> None:
    result = predict("comp", catalog.annotation_set_id, CURATOR, query_set="queries", params=PredictParams(k=2))
    assert result.queries == 2 and result.references == 4 and result.embedded == 1  # Q2 was new
    got = _predictions(result.prediction_set_id)
    q1 = {go for acc, go in got if acc == "Q1"}
    # P00003 (identical to Q1) is excluded, so GO:0000005 is not transferred; GO:0000002 is IEA and
    # GO:0000003 is NOT-qualified: neither is ever transferred.
    assert q1 == {"GO:0000001", "GO:0000004"}
    best = got[("Q1", "GO:0000001")]
    assert best["ref_protein_accession"] == "P00001" and best["evidence_code"] == "IDA"
    assert best["k_position"] == 1 and best["vote_count"] == 1 and best["neighbor_vote_fraction"] == 0.5
    assert 0 < best["score"] <= 1 and best["score"] == pytest.approx(1 - best["distance"])
    assert best["identity_nw"] == pytest.approx(64 / 66) and best["alignment_length_nw"] == 66
    assert best["length_query"] == 66 and best["length_ref"] == 66 and best["identity_sw"] > 0.9
    assert best["taxonomic_lca"] is None  # no taxdump given
    assert got[("Q1", "GO:0000004")]["k_position"] == 2
    assert {go for acc, go in got if acc == "Q2"} >= {"GO:0000006"}
    assert result.predictions == len(got)
    with session_scope() as s:
        nbs = s.execute(
            text(
                "SELECT rank, ref_protein_accession FROM prediction_neighbor WHERE prediction_set_id = :s "
                "AND protein_accession = 'Q1' ORDER BY rank"
            ),
            {"s": result.prediction_set_id},
        ).all()
        stored = s.execute(
            text("SELECT k, evidence_codes, query_set_id FROM prediction_set WHERE id = :s"),
            {"s": result.prediction_set_id},
        ).one()
    assert [tuple(n) for n in nbs] == [(1, "P00001"), (2, "P00002")]
    assert stored.k == 2 and "IEA" not in stored.evidence_codes and stored.query_set_id == catalog.query_set_id


def test_identical_sequences_only_when_asked_and_evidence_is_configurable(catalog) -> None:
    params = PredictParams(k=1, exclude_identical=False, evidence_codes=("IDA", "IEA"))
    result = predict("comp", catalog.annotation_set_id, CURATOR, query_set="queries", params=params)
    got = _predictions(result.prediction_set_id)
    assert got[("Q1", "GO:0000005")]["distance"] == pytest.approx(0, abs=1e-6)
    assert ("Q1", "GO:0000001") not in got  # k=1: only the identical sequence


def test_query_never_has_itself_as_neighbour(catalog) -> None:
    result = predict("comp", catalog.annotation_set_id, CURATOR, accessions=["P00001"], params=PredictParams(k=3))
    got = _predictions(result.prediction_set_id)
    assert all(r["ref_protein_accession"] != "P00001" for r in got.values())
    assert ("P00001", "GO:0000001") not in got


def test_per_aspect_search_threshold_and_taxonomy(catalog, tmp_path) -> None:
    dump = tmp_path / "taxdump"
    dump.mkdir()
    (dump / "nodes.dmp").write_text("".join(f"{t}\t|\t{p}\t|\t{r}\t|\n" for t, p, r in NODES))
    params = PredictParams(k=1, per_aspect=True, taxdump=str(dump))
    result = predict("comp", catalog.annotation_set_id, CURATOR, query_set="queries", params=params)
    got = _predictions(result.prediction_set_id)
    # F: nearest F-annotated reference other than the identical P00003 is P00001; P: only P00004 has an
    # experimental P annotation, so it is Q1's P neighbour however far away it is.
    assert {go for acc, go in got if acc == "Q1"} == {"GO:0000001", "GO:0000006"}
    f = got[("Q1", "GO:0000001")]
    assert (f["query_taxonomy_id"], f["ref_taxonomy_id"], f["taxonomic_lca"], f["taxonomic_relation"]) == (
        562,
        562,
        562,
        "same",
    )
    assert f["taxonomic_common_ancestors"] == 9 and f["taxonomic_distance"] == 0
    p = got[("Q1", "GO:0000006")]
    assert p["ref_taxonomy_id"] == 2 and p["taxonomic_relation"] == "ancestor" and p["taxonomic_distance"] == 6
    near = predict(
        "comp", catalog.annotation_set_id, CURATOR, query_set="queries",
        params=PredictParams(k=3, distance_threshold=f["distance"] + 1e-6),
    )  # fmt: skip
    assert {go for acc, go in _predictions(near.prediction_set_id) if acc == "Q1"} == {"GO:0000001"}


def test_faiss_engine_gives_the_same_predictions(catalog) -> None:
    a = predict("comp", catalog.annotation_set_id, CURATOR, query_set="queries", params=PredictParams(k=2))
    b = predict(
        "comp",
        catalog.annotation_set_id,
        CURATOR,
        query_set="queries",
        params=PredictParams(k=2, engine="faiss"),
    )
    pa, pb = _predictions(a.prediction_set_id), _predictions(b.prediction_set_id)
    assert pa.keys() == pb.keys()
    assert all(pa[k]["distance"] == pytest.approx(pb[k]["distance"], abs=1e-5) for k in pa)


def test_queries_are_embedded_when_missing_and_roles_are_checked(db_url, tmp_path) -> None:
    seeded = seed_catalog(tmp_path)
    with session_scope() as s:
        add_config(s, CURATOR, "comp", "composition")
    compute_embeddings("comp", EmbedTarget(annotation_set_id=seeded.annotation_set_id), CURATOR)
    with pytest.raises(PermissionDenied):
        predict("comp", seeded.annotation_set_id, VIEWER, query_set="queries")
    with pytest.raises(InvalidInput):
        predict("comp", seeded.annotation_set_id, CURATOR, query_set="queries", params=PredictParams(k=0))
    result = predict("comp", seeded.annotation_set_id, CURATOR, query_set="queries")
    assert result.embedded == 1  # Q2's sequence was new; Q1's is P00003's


def test_search_vector_of_a_chunked_sequence_is_the_mean_of_its_chunks(db_url, tmp_path) -> None:
    import numpy as np

    from services.predictions.reference import sequence_vectors

    seed_catalog(tmp_path)
    with session_scope() as s:
        cfg = add_config(s, CURATOR, "chunks", "composition", use_chunking=True, chunk_size=30, chunk_overlap=10)
    compute_embeddings("chunks", EmbedTarget(all_sequences=True), CURATOR)
    with session_scope() as s:
        rows = s.execute(
            text("SELECT sequence_id, embedding::text FROM sequence_embedding WHERE embedding_config_id = :c"),
            {"c": cfg.id},
        ).all()
        by_seq: dict[int, list] = {}
        for sid, vec in rows:
            by_seq.setdefault(sid, []).append(np.array(json.loads(vec)))
        vectors = sequence_vectors(s, cfg.id, list(by_seq))
    assert any(len(v) == 3 for v in by_seq.values())
    for sid, chunks in by_seq.items():
        assert np.allclose(vectors[sid], np.mean(chunks, axis=0), atol=1e-6)


def test_job_payload_taxdump_must_lie_in_an_import_folder(tmp_path, monkeypatch) -> None:
    from services.auth.identity import Identity, Role
    from services.errors import PermissionDenied
    from services.jobs.progress import ProgressReporter
    from services.predictions.operations import predict_operation

    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path / "imports"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    payload = {"config": "comp", "annotation_set_id": 1, "query_set": "q", "taxdump": str(outside)}
    with pytest.raises(PermissionDenied, match="outside the import folders"):
        predict_operation(payload, ProgressReporter(None), Identity("c", Role.CURATOR))
