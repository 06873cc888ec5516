"""Re-rankers on a synthetic temporal holdout (tests/reranking/synthetic.py): the re-ranked Fmax beats the KNN
Fmax on the eval pair (the evaluation package's evaluator), features recomputed from a stored prediction set
equal the exported ones, training is deterministic, schema mismatches and tampered datasets are refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from services.db.engine import session_scope
from services.errors import PermissionDenied
from services.evaluation.holdout import create_evaluation_set
from services.evaluation.results import run_evaluation
from services.predictions.predict import PredictParams, predict
from services.reranking import artifacts
from services.reranking.datasets import delete_dataset, export_dataset, get_dataset, parse_pairs, verify_dataset
from services.reranking.evaluation import evaluate_reranked
from services.reranking.features import CATEGORICAL, feature_frame
from services.reranking.rerankers import SchemaMismatch, get_reranker, import_reranker, rerank, score_frame
from services.reranking.training import TrainSpec, train_reranker
from tests.reranking.synthetic import CURATOR, LEAD, seed_synthetic


@pytest.fixture
def synthetic(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ARTIFACT_DIR", str(tmp_path / "artifacts"))
    return seed_synthetic(tmp_path)


def _export(syn, name: str, families: str = "all"):
    s = syn.sets
    train = parse_pairs(f"{s[0]}:{s[1]},{s[1]}:{s[2]}", "--train")
    (eval_pair,) = parse_pairs(f"{s[2]}:{s[3]}", "--eval")
    return export_dataset(LEAD, name, config=syn.config, k=10, train=train, eval_pair=eval_pair, families=families)


def _mean_fmax(summary: dict) -> float:
    return float(np.mean([row["fmax"] for row in summary["NK"].values()]))


def test_reranker_beats_knn_on_the_eval_pair(synthetic, tmp_path, monkeypatch) -> None:
    exported = _export(synthetic, "syn")
    assert exported.train_rows > 1000 and exported.eval_rows > 300
    trained = train_reranker(LEAD, "syn-binary", "syn", TrainSpec(seed=7))
    assert trained.metrics["best_iteration"] >= 1 and 0 < trained.metrics["fmax"] <= 1

    # Same dataset + seed → the same booster text (deterministic LightGBM).
    train_reranker(LEAD, "syn-binary-again", "syn", TrainSpec(seed=7))
    with session_scope() as s:
        first, again = get_reranker(s, "syn-binary"), get_reranker(s, "syn-binary-again")
    text = (first.folder / "booster_all.txt").read_text()
    assert text == (again.folder / "booster_all.txt").read_text()
    assert first.card["files"]["booster_all.txt"]["sha256"] == again.card["files"]["booster_all.txt"]["sha256"]
    assert first.feature_schema_sha == exported.schema_sha
    assert set(first.card["importance"]["all"]) == set(first.feature_names)

    # The eval pair, predicted afresh from the old release and evaluated the CAFA way.
    s = synthetic.sets
    with session_scope() as session:
        es = create_evaluation_set(session, LEAD, old=s[2], new=s[3]).evaluation_set_id
    eval_frame = pd.read_parquet(artifacts.path_of(get_dataset_uri("syn")))
    proteins = sorted(eval_frame["protein_accession"].unique())
    ps = predict(synthetic.config, s[2], CURATOR, accessions=proteins, params=PredictParams(k=10)).prediction_set_id

    # No train/serve skew: the stored set's features, recomputed, equal the exported rows.
    with session_scope() as session:
        ff = feature_frame(session, ps, first.families)
    merged = eval_frame.merge(ff.frame, on=["protein_accession", "go_id"], suffixes=("", "_serve"))
    assert len(merged) == len(eval_frame)
    for column in ff.columns:
        left, right = merged[column], merged[f"{column}_serve"]
        if column in CATEGORICAL:
            assert left.astype(object).fillna("∅").tolist() == right.astype(object).fillna("∅").tolist(), column
        else:
            np.testing.assert_allclose(left.to_numpy(float), right.to_numpy(float), equal_nan=True, err_msg=column)

    result = rerank(CURATOR, ps, "syn-binary")
    assert result.predictions == len(ff.frame)
    assert {"read", "features", "score", "write", "commit"} <= set(result.steps)
    # The stored scores are the model's scores of the recomputed features, keyed by prediction id.
    expected = dict(zip(ff.frame["go_prediction_id"].tolist(),
                        score_frame(first, first.boosters(), ff.frame, None).tolist(), strict=True))  # fmt: skip
    assert _stored_scores(ps, first.id) == pytest.approx(expected)

    # A failed re-run (a score outside [0, 1] is refused by the schema) leaves the previous scores whole.
    import services.reranking.rerankers as rerankers_module

    with monkeypatch.context() as patched, pytest.raises(Exception, match="ck_reranked_score_scores"):
        patched.setattr(rerankers_module, "score_frame", lambda *a: np.full(len(ff.frame), 2.0))
        rerank(CURATOR, ps, "syn-binary")
    assert _stored_scores(ps, first.id) == pytest.approx(expected)
    # A re-run replaces the scores (still one row per set and re-ranker).
    assert rerank(CURATOR, ps, "syn-binary").predictions == len(ff.frame)
    assert _stored_scores(ps, first.id) == pytest.approx(expected)
    with session_scope() as session:
        knn = run_evaluation(session, LEAD, evaluation_set_id=es, prediction_set_id=ps)
        reranked = evaluate_reranked(session, LEAD, evaluation_set_id=es, prediction_set_id=ps, reranker="syn-binary")
    knn_fmax, reranked_fmax = _mean_fmax(knn.results), _mean_fmax(reranked.results)
    print(f"\nNK Fmax on the eval pair (mean of BPO, MFO): KNN {knn_fmax:.4f}  re-ranked {reranked_fmax:.4f}")
    for ns in knn.results["NK"]:
        print(f"  {ns}: KNN {knn.results['NK'][ns]['fmax']:.4f}  re-ranked {reranked.results['NK'][ns]['fmax']:.4f}")
    assert reranked_fmax > knn_fmax + 0.02
    with session_scope() as session:
        stored = session.execute(
            sql_text("SELECT reranker_id FROM evaluation_result WHERE id = :i"), {"i": reranked.evaluation_result_id}
        ).scalar()
    assert stored == first.id

    # A set predicted without alignments lacks the alignment family: refused, naming the columns.
    bare = predict(
        synthetic.config, s[2], CURATOR, accessions=proteins[:3], params=PredictParams(k=10, alignments=False)
    )
    with pytest.raises(SchemaMismatch, match=r"missing columns identity_nw, similarity_nw.*no fallback"):
        rerank(CURATOR, bare.prediction_set_id, "syn-binary")

    # Import: the same booster with its manifest works; a renamed feature is refused, naming both columns.
    manifest = {k: first.card[k] for k in ("objective", "families", "feature_names", "feature_schema_sha",
                                           "categorical_codes")} | {"name": "imported"}  # fmt: skip
    (tmp_path / "m.json").write_text(json.dumps(manifest))
    imported = import_reranker(LEAD, first.folder / "booster_all.txt", tmp_path / "m.json")
    assert imported.source == "import" and imported.feature_schema_sha == first.feature_schema_sha
    rerank(CURATOR, ps, "imported")
    renamed = manifest | {"name": "renamed", "feature_names": ["knn_similarity", *manifest["feature_names"][1:]]}
    (tmp_path / "bad.json").write_text(json.dumps(renamed))
    with pytest.raises(SchemaMismatch, match=r"missing columns knn_score.*extra columns knn_similarity"):
        import_reranker(LEAD, first.folder / "booster_all.txt", tmp_path / "bad.json")
    with pytest.raises(PermissionDenied):
        train_reranker(CURATOR, "nope", "syn")


def _stored_scores(prediction_set_id: int, reranker_id: int) -> dict[int, float]:
    """The stored re-ranked scores of a set by prediction id (asserting one row per set and re-ranker)."""
    with session_scope() as s:
        rows = s.execute(
            sql_text("SELECT go_prediction_ids, scores FROM reranked_score WHERE prediction_set_id = :p"
                     " AND reranker_id = :r"),
            {"p": prediction_set_id, "r": reranker_id},
        ).all()  # fmt: skip
    assert len(rows) == 1
    return dict(zip(rows[0][0], rows[0][1], strict=True))


def test_array_row_copy_round_trips(db_url) -> None:
    """pg_arrays.copy_array_row: int64 and float64 arrays (empty or not, NaN kept) come back as written."""
    from services.db.pg_arrays import copy_array_row

    ids, values = np.array([5, -3, 2**40], dtype=np.int64), np.array([0.25, np.nan, 1e-300])
    with session_scope() as s:
        s.execute(sql_text("CREATE TEMP TABLE t (k integer, ids bigint[], vals double precision[])"))
        copy_array_row(s, "t", {"k": 1, "ids": ids, "vals": values})
        copy_array_row(s, "t", {"k": 2, "ids": ids[:0], "vals": values[:0]})
        rows = dict((k, (i, v)) for k, i, v in s.execute(sql_text("SELECT k, ids, vals FROM t")).all())
        with pytest.raises(TypeError):
            copy_array_row(s, "t", {"k": 3, "ids": ids.astype(np.int32), "vals": values})
    assert rows[1][0] == ids.tolist() and np.array_equal(np.array(rows[1][1]), values, equal_nan=True)
    assert rows[2] == ([], [])


def test_columns_read_as_one_row(db_url) -> None:
    """pg_columns.read_columns: text (NULLs, non-ASCII, empty strings) and numbers of the same rows, in order."""
    from services.db.pg_columns import read_columns

    query = sql_text(
        "SELECT string_agg(convert_to(t, 'UTF8'), ''::bytea) AS t__bytes,"
        " array_agg(COALESCE(octet_length(t), -1)) AS t__lengths, array_agg(COALESCE(x, 'NaN')) AS x,"
        " array_agg(i::bigint) AS i"
        " FROM (VALUES (1, 'α-β', 0.5::float8), (2, NULL, NULL), (3, '', 2.0), (4, 'P12345', -1.0)) AS v(i, t, x)"
        " WHERE i <= :n"
    )  # fmt: skip
    with session_scope() as s:
        frame = read_columns(s, query, {"n": 4})
        empty = read_columns(s, query, {"n": 0})
    assert frame["i"].tolist() == [1, 2, 3, 4] and frame["i"].dtype == np.int64
    assert frame["t"].astype(object).where(frame["t"].notna(), None).tolist() == ["α-β", None, "", "P12345"]
    np.testing.assert_array_equal(frame["x"].to_numpy(), [0.5, np.nan, 2.0, -1.0])
    assert list(empty.columns) == ["t", "x", "i"] and empty.empty


def get_dataset_uri(name: str) -> str:
    with session_scope() as s:
        return get_dataset(s, name).eval_uri


def sql_text(sql: str):
    from sqlalchemy import text

    return text(sql)


def test_export_is_deterministic_and_tampering_is_refused(synthetic) -> None:
    first = _export(synthetic, "det", families="knn,alignment,taxonomy_voters")
    with session_scope() as s:
        ds = get_dataset(s, "det")
    files = {f: (ds.folder / f).read_bytes() for f in ("train.parquet", "eval.parquet", "manifest.json")}
    manifest = verify_dataset(ds)
    assert manifest["families"] == ["knn", "alignment", "taxonomy_voters"]
    assert manifest["rows"] == {"train": first.train_rows, "eval": first.eval_rows}
    assert artifacts.sha256_bytes(files["manifest.json"]) == first.manifest_sha == ds.manifest_sha
    with session_scope() as s:
        delete_dataset(s, LEAD, "det")
    again = _export(synthetic, "det", families="knn,alignment,taxonomy_voters")
    assert again.manifest_sha == first.manifest_sha and again.prediction_set_ids != first.prediction_set_ids
    with session_scope() as s:
        ds = get_dataset(s, "det")
    for name, data in files.items():
        assert (ds.folder / name).read_bytes() == data, name

    # One changed value in the training file: refused before any training.
    frame = pd.read_parquet(ds.folder / "train.parquet")
    frame.loc[0, "label"] = 1 - frame.loc[0, "label"]
    frame.to_parquet(ds.folder / "train.parquet", index=False)
    with pytest.raises(artifacts.ArtifactChanged, match=r"train.parquet was changed on disk"):
        train_reranker(LEAD, "tampered", "det")
    with session_scope() as s:
        assert s.execute(sql_text("SELECT count(*) FROM reranker_model")).scalar() == 0
