"""Pure parts of prediction: exact KNN (numpy vs FAISS, exclusions, L2), parasail features, taxdump LCA,
and the re-ranker features of a transfer, each against a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from services.errors import InputFileError
from services.predictions.alignment import align_global, align_local
from services.predictions.knn import exact_knn
from services.predictions.taxonomy import Taxonomy
from services.predictions.transfer import Neighbor, RefAnnotation, transfer_terms


def test_exact_knn_by_hand_with_exclusions_and_padding() -> None:
    refs = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
    queries = np.array([[1, 0.1], [0, 2]], dtype=np.float32)
    dist, idx = exact_knn(queries, refs, 2, metric="cosine")
    assert idx.tolist() == [[0, 2], [1, 2]]
    assert dist[1, 0] == pytest.approx(0.0, abs=1e-6) and dist[1, 1] == pytest.approx(1 - 2**-0.5)
    dist, idx = exact_knn(queries, refs, 2, metric="cosine", exclude=[[0], [1, 2]])
    assert idx.tolist() == [[2, 1], [0, 3]]
    dist, idx = exact_knn(queries, refs, 2, metric="l2")
    assert idx[1].tolist() == [1, 2] and dist[1, 0] == pytest.approx(1.0)
    dist, idx = exact_knn(queries[:1], refs[:1], 3)
    assert idx.tolist() == [[0, -1, -1]] and np.isinf(dist[0, 1:]).all()


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_numpy_blocks_equal_faiss_flat(metric) -> None:
    rng = np.random.default_rng(1)
    refs, queries = rng.standard_normal((500, 24)), rng.standard_normal((40, 24))
    banned = [[int(i)] for i in rng.integers(0, 500, 40)]
    d1, i1 = exact_knn(queries, refs, 5, metric=metric, exclude=banned, query_block=7)
    d2, i2 = exact_knn(queries, refs, 5, metric=metric, exclude=banned, engine="faiss")
    assert (i1 == i2).all() and np.allclose(d1, d2, atol=1e-4)
    assert all(b[0] not in row for b, row in zip(banned, i1, strict=True))


def test_alignment_features_by_hand() -> None:
    # MKVLAAGIV- / MKVLSAGIVW: 8 identical, A/S positive in BLOSUM62, one terminal gap.
    nw = align_global("MKVLAAGIV", "MKVLSAGIVW")
    assert (nw.identity, nw.similarity, nw.gaps_pct, nw.length) == (0.8, 0.9, 0.1, 10)
    sw = align_local("MKVLAAGIV", "MKVLSAGIVW")
    assert sw.length == 9 and sw.identity == pytest.approx(8 / 9) and sw.gaps_pct == 0
    assert sw.score > nw.score
    assert align_global("MKUV", "MKV").length == 4  # U aligned as X


def test_taxonomy_lca_distance_relation(tmp_path) -> None:
    nodes = [(1, 1), (2, 1), (10, 2), (11, 10), (12, 10), (20, 2)]
    (tmp_path / "nodes.dmp").write_text("".join(f"{t}\t|\t{p}\t|\tno rank\t|\n" for t, p in nodes))
    tax = Taxonomy.load(tmp_path)
    assert tax.lineage(11) == [11, 10, 2, 1]
    f = tax.compare(11, 12)
    assert (f.lca, f.distance, f.common_ancestors, f.relation) == (10, 2, 3, "related")
    assert tax.compare(11, 10).relation == "ancestor" and tax.compare(10, 11).relation == "descendant"
    assert tax.compare(11, 11).distance == 0 and tax.compare(11, 20).lca == 2
    assert tax.compare(11, 999) is None and tax.compare(None, 11) is None
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "nodes.dmp").write_text("1\t|\t1\t|\n oops\n")
    with pytest.raises(InputFileError, match="line 2"):
        Taxonomy.load(tmp_path / "bad")


def test_transfer_features_by_hand() -> None:
    terms = {
        0: [RefAnnotation(100, "F", "enables", "IDA"), RefAnnotation(200, "P", None, "IMP")],
        1: [RefAnnotation(100, "F", "enables", "EXP")],
        2: [RefAnnotation(300, "C", None, "IDA")],
    }
    nbs = [Neighbor(1, 1, 0.1), Neighbor(2, 0, 0.3), Neighbor(3, 2, 0.5)]
    preds = {p.go_term_id: p for p in transfer_terms(nbs, terms, {100: 0.5, 200: 0.25}, "cosine")}
    t = preds[100]
    assert (t.ref, t.distance, t.evidence_code, t.score) == (1, 0.1, "EXP", pytest.approx(0.9))
    assert t.features["vote_count"] == 2 and t.features["k_position"] == 1
    assert t.features["neighbor_vote_fraction"] == pytest.approx(2 / 3)
    assert t.features["neighbor_mean_distance"] == pytest.approx(0.2)
    assert t.features["neighbor_distance_std"] == pytest.approx(0.1)
    assert t.features["ref_annotation_density"] == 1 and t.features["go_term_frequency"] == 0.5
    assert preds[200].features["k_position"] == 2 and preds[300].features["go_term_frequency"] == 0.0
    only_f = transfer_terms(nbs, terms, {}, "l2", aspect="F")
    assert [p.go_term_id for p in only_f] == [100] and only_f[0].score == pytest.approx(1 / 1.1)
