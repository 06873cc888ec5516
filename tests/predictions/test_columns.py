"""The columnar copy of a prediction set (services/predictions/columns.py): equal to the stored rows (ids, every
column, NULL/NaN, order) whether the predictor wrote it or a first read built it, split into parts, the protein
catalog's taxon applied at read time (never frozen), and gone with its set."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import text

from services.db.engine import session_scope
from services.evaluation.baselines import predict_baseline
from services.predictions import columns
from services.predictions.predict import PredictParams, predict
from tests.support.prediction_seed import CURATOR


def _plain_rows(set_id: int) -> pd.DataFrame:
    """The set's rows read the plain way (SQLAlchemy rows, one Python value per field), independent of the
    columnar code, with the catalog fallback the features had before the copy (a LEFT JOIN to the catalog)."""
    with session_scope() as s:
        result = s.execute(
            text(
                "SELECT p.*, p.id AS go_prediction_id, p.score AS knn_score, t.go_id,"
                " COALESCE(p.query_taxonomy_id, qp.taxonomy_id) AS query_taxon,"
                " COALESCE(p.ref_taxonomy_id, rp.taxonomy_id) AS ref_taxon"
                " FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id"
                " LEFT JOIN protein qp ON qp.accession = p.protein_accession"
                " LEFT JOIN protein rp ON rp.accession = p.ref_protein_accession"
                " WHERE p.prediction_set_id = :s ORDER BY p.protein_accession, p.go_term_id"
            ),
            {"s": set_id},
        )
        return pd.DataFrame(result.mappings().all())


def _assert_equal_to_plain(frame: pd.DataFrame, plain: pd.DataFrame, *, fallback: bool) -> None:
    assert len(frame) == len(plain) > 0
    assert list(frame.columns) == [*columns.NUMBERS, *columns.TEXTS]
    for column in columns.NUMBERS:
        source = {"query_taxonomy_id": "query_taxon", "ref_taxonomy_id": "ref_taxon"}.get(column) if fallback else None
        want = np.array([np.nan if v is None else float(v) for v in plain[source or column]])
        assert frame[column].dtype == (np.int64 if column in columns.IDS else np.float64), column
        np.testing.assert_array_equal(frame[column].to_numpy(np.float64), want, err_msg=column)
    for column in columns.TEXTS:
        got = frame[column].astype(object).where(frame[column].notna(), None).tolist()
        assert got == plain[column].tolist(), column


def _parts(set_id: int) -> list[tuple[int, int]]:
    with session_scope() as s:
        return [
            tuple(r)
            for r in s.execute(
                text("SELECT part, rows FROM prediction_set_columns WHERE prediction_set_id = :s ORDER BY part"),
                {"s": set_id},
            ).all()
        ]


def test_the_predictor_writes_a_copy_equal_to_the_stored_rows(catalog, monkeypatch) -> None:
    monkeypatch.setattr(columns, "PART_ROWS", 3)  # several parts, the last one short
    result = predict("comp", catalog.annotation_set_id, CURATOR, query_set="queries", params=PredictParams(k=3))
    set_id = result.prediction_set_id
    plain = _plain_rows(set_id)
    n = len(plain)
    assert n > 3 and result.timings["columnar_copy"] >= 0
    assert _parts(set_id) == [(p, min(3, n - 3 * p)) for p in range(-(-n // 3))]
    # NULLs to carry: no taxdump (taxa, relation), no qualifier.
    assert plain["taxonomic_relation"].isna().all() and plain["query_taxonomy_id"].isna().all()
    with session_scope() as s:
        copy, fresh = columns.read_copy(s, set_id), columns.stored_rows(s, set_id)
        rows = columns.prediction_rows(s, set_id)
    pd.testing.assert_frame_equal(copy, fresh)
    _assert_equal_to_plain(copy, plain, fallback=False)
    _assert_equal_to_plain(rows, plain, fallback=True)
    assert not np.isnan(rows["ref_taxonomy_id"]).any()  # every reference protein has a catalog taxon


def test_a_set_without_a_copy_gets_one_at_its_first_read_with_the_catalog_read_then(catalog) -> None:
    """A baseline set (written by the evaluation package, Naive: no reference protein) has no copy until read;
    the catalog's taxon is read at every read, so a catalog change shows; deleting the set deletes the copy."""
    queries = ["P00001", "P00002"]  # catalog proteins: their taxon comes from the catalog
    set_id = predict_baseline("naive", catalog.annotation_set_id, CURATOR, accessions=queries).prediction_set_id
    assert _parts(set_id) == []
    plain = _plain_rows(set_id)
    assert plain["ref_protein_accession"].isna().all() and plain["query_taxonomy_id"].isna().all()
    assert plain["query_taxon"].notna().all()
    with session_scope() as s:
        assert columns.read_copy(s, set_id) is None
        rows = columns.prediction_rows(s, set_id)
    _assert_equal_to_plain(rows, plain, fallback=True)
    assert _parts(set_id) == [(0, len(plain))]
    with session_scope() as s:
        pd.testing.assert_frame_equal(columns.read_copy(s, set_id), columns.stored_rows(s, set_id))

    accession = plain["protein_accession"].iloc[0]
    with session_scope() as s:
        s.execute(text("UPDATE protein SET taxonomy_id = 4932 WHERE accession = :a"), {"a": accession})
    with session_scope() as s:
        rows = columns.prediction_rows(s, set_id)
    assert (rows.loc[rows["protein_accession"] == accession, "query_taxonomy_id"] == 4932).all()
    _assert_equal_to_plain(rows, _plain_rows(set_id), fallback=True)

    with session_scope() as s:
        s.execute(text("DELETE FROM prediction_set WHERE id = :s"), {"s": set_id})
    assert _parts(set_id) == []


def test_a_set_without_predictions_reads_empty_and_has_no_copy(catalog) -> None:
    params = PredictParams(k=1, distance_threshold=0.0)  # no neighbour that close: nothing transferred
    result = predict("comp", catalog.annotation_set_id, CURATOR, query_set="queries", params=params)
    assert result.predictions == 0
    with session_scope() as s:
        rows = columns.prediction_rows(s, result.prediction_set_id)
    assert rows.empty and list(rows.columns) == [*columns.NUMBERS, *columns.TEXTS]
    assert _parts(result.prediction_set_id) == []
