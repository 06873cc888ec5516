"""Pure pieces of the re-ranking package: family parsing and the schema fingerprint, which families a prediction
set produces, category codes (unknown → missing), the vectorised row Fmax against a direct computation, PCA."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from services.errors import InvalidInput
from services.reranking.features import (
    DEFAULT_FAMILIES,
    FAMILIES,
    PCA_COMPONENTS,
    columns_of,
    fit_pca,
    parse_families,
    produced_families,
    schema_sha,
)
from services.reranking.training import encode, fmax_rows, validation_mask


def test_families_parse_and_fingerprint() -> None:
    assert DEFAULT_FAMILIES == ("knn", "alignment", "lengths", "taxonomy", "go_context")
    assert parse_families("+embedding_pca") == (*DEFAULT_FAMILIES, "embedding_pca")
    assert parse_families("all") == tuple(f.name for f in FAMILIES)
    assert parse_families("alignment,knn") == ("knn", "alignment")
    with pytest.raises(InvalidInput, match="unknown feature family 'anc2vec'"):
        parse_families("anc2vec")
    columns = columns_of(("knn", "alignment"))
    assert schema_sha(["alignment", "knn"], list(reversed(columns))) == schema_sha(["knn", "alignment"], columns)
    assert schema_sha(["knn"], columns_of(["knn"])) != schema_sha(["knn", "lengths"], columns_of(["knn", "lengths"]))
    assert len(columns_of(["embedding_pca"])) == PCA_COMPONENTS == 16


def test_produced_families_follow_the_inputs() -> None:
    run = SimpleNamespace(params={"alignments": False, "taxdump": None}, embedding_config_id=1, k=5)
    assert produced_families(run, parse_families("all")) == (
        "knn", "lengths", "go_context", "taxonomy_voters", "embedding_pca",
    )  # fmt: skip
    naive = SimpleNamespace(params={"method": "naive"}, embedding_config_id=None, k=None)
    assert produced_families(naive, DEFAULT_FAMILIES) == ("lengths", "go_context")


def test_category_codes_are_the_stored_ones() -> None:
    frame = pd.DataFrame({"aspect": ["F", "P", None, "C"], "knn_score": [0.1, 0.2, 0.3, 0.4]})
    matrix = encode(frame, ["aspect", "knn_score"], {"aspect": ["F", "P"]})
    assert matrix["aspect"].tolist()[:2] == [0.0, 1.0] and np.isnan(matrix["aspect"].iloc[2:]).all()
    assert matrix["knn_score"].tolist() == [0.1, 0.2, 0.3, 0.4]
    # Values are compared as text; one the model never saw, or a missing one, becomes missing.
    taxa = pd.DataFrame({"taxonomic_relation": pd.Series([2, 1, 3, None, 2], dtype=object)})
    coded = encode(taxa, ["taxonomic_relation"], {"taxonomic_relation": ["1", "2"]})["taxonomic_relation"]
    assert coded.tolist()[:2] == [1.0, 0.0] and coded.isna().tolist() == [False, False, True, True, False]
    assert coded.iloc[4] == 1.0


def _fmax_direct(frame: pd.DataFrame, scores: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.0)
    positives = frame.groupby("protein_accession")["label"].sum()
    for k in range(1, 100):
        tau = k / 100
        above = frame.assign(above=scores >= tau - 1e-12, tp=(scores >= tau - 1e-12) & (frame["label"] == 1))
        per = above.groupby("protein_accession")[["above", "tp"]].sum()
        covered = per[per["above"] > 0]
        if covered.empty:
            continue
        precision = (covered["tp"] / covered["above"]).mean()
        recall = (per["tp"][positives > 0] / positives[positives > 0]).mean()
        f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f > best[0]:
            best = (f, tau)
    return best


def test_row_fmax_equals_a_direct_computation() -> None:
    rng = np.random.default_rng(5)
    n = 600
    frame = pd.DataFrame({"protein_accession": rng.choice([f"P{i}" for i in range(40)], n),
                          "label": rng.integers(0, 2, n)})  # fmt: skip
    scores = np.clip(frame["label"] * 0.3 + rng.random(n) * 0.7, 0, 1).to_numpy()
    got = fmax_rows(frame, scores)
    f, tau = _fmax_direct(frame, scores)
    assert got["fmax"] == pytest.approx(f) and got["threshold"] == pytest.approx(tau)
    assert 0 < got["auc_pr"] <= 1


def test_validation_split_is_by_protein_and_stable() -> None:
    proteins = pd.Series([f"Q{i:05d}" for i in range(200) for _ in range(3)])
    mask = validation_mask(proteins)
    assert 0.1 < mask.mean() < 0.3
    split = pd.DataFrame({"p": proteins, "v": mask}).groupby("p")["v"].nunique()
    assert (split == 1).all()  # no protein on both sides
    assert (validation_mask(proteins) == mask).all()


def test_pca_is_deterministic_with_fixed_signs() -> None:
    x = np.random.default_rng(1).standard_normal((50, 20)).astype(np.float32)
    a, b = fit_pca(x), fit_pca(x.copy())
    np.testing.assert_array_equal(a.components, b.components)
    assert a.components.shape == (16, 20)
    assert (a.components[np.arange(16), np.abs(a.components).argmax(axis=1)] > 0).all()
    assert a.project(x[:3]).shape == (3, 16)


def test_taxonomy_voters_count_each_querys_neighbours(monkeypatch) -> None:
    """The integer-keyed voter computation on a hand-worked case (per-aspect search, a taxdump): Q1's F search
    has neighbours R1 (its species) and R2, its P search R1; Q2 (no taxon) has R2, R3; Q9 is not a query."""
    import services.reranking.features as features

    neighbours = pd.DataFrame(
        [("Q1", "F", "R1", 1.0), ("Q1", "F", "R2", 2.0), ("Q1", "P", "R1", 1.0), ("Q2", "F", "R2", 2.0),
         ("Q2", "F", "R3", 1.0), ("Q9", "F", "R1", 1.0)],
        columns=["protein_accession", "aspect", "ref_protein_accession", "ref_taxonomy_id"],
    )  # fmt: skip
    terms = [("R1", 10, "F"), ("R1", 20, "P"), ("R2", 10, "F"), ("R3", 10, "F"), ("R3", 20, "P")]
    raw = pd.DataFrame(
        {"protein_accession": ["Q1", "Q1", "Q2", "Q2"], "go_term_id": [10, 20, 10, 30],
         "aspect": ["F", "P", "F", "F"], "query_taxonomy_id": [1.0, 1.0, np.nan, np.nan]}
    )  # fmt: skip

    def compare(a, b):
        return (
            None
            if a is None or b is None
            else SimpleNamespace(distance=5 * abs(a - b), common_ancestors=10 - abs(a - b))
        )

    monkeypatch.setattr(features, "_neighbour_rows", lambda session, ps_id: neighbours)
    monkeypatch.setattr(features, "load_taxonomy", lambda path: SimpleNamespace(compare=compare))
    session = SimpleNamespace(execute=lambda query, params: SimpleNamespace(all=lambda: terms))
    ps = SimpleNamespace(id=1, annotation_set_id=1, evidence_codes=["IDA"], params={"taxdump": "dump"})
    got = features._taxonomy_voters(session, ps, raw)
    np.testing.assert_allclose(got["voter_same_species_fraction"], [0.5, 1.0, 0.0, np.nan], equal_nan=True)
    np.testing.assert_allclose(got["voter_close_fraction"], [0.5, 1.0, 0.0, np.nan], equal_nan=True)
    np.testing.assert_allclose(got["voter_mean_common_ancestors"], [9.5, 10.0, np.nan, np.nan], equal_nan=True)
    # Without a taxdump only the same-species share is known.
    got = features._taxonomy_voters(session, SimpleNamespace(**{**vars(ps), "params": {}}), raw)
    np.testing.assert_allclose(got["voter_same_species_fraction"], [0.5, 1.0, 0.0, np.nan], equal_nan=True)
    assert np.isnan(got["voter_close_fraction"]).all() and np.isnan(got["voter_mean_common_ancestors"]).all()


def test_lightgbm_threads_wait_passively_unless_told_otherwise() -> None:
    """Loading the package sets OMP_WAIT_POLICY=PASSIVE before LightGBM loads; a policy already chosen stays."""
    import os
    import subprocess
    import sys

    probe = "import os, services.reranking.training; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run = [sys.executable, "-c", probe]
    assert subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.strip() == "PASSIVE"
    chosen = env | {"OMP_WAIT_POLICY": "ACTIVE"}
    assert subprocess.run(run, env=chosen, capture_output=True, text=True, check=True).stdout.strip() == "ACTIVE"


def test_scoring_routes_each_row_to_its_categorys_booster() -> None:
    """Contract 4 of rerankers: a category's own booster, else ``all``; without categories every row uses ``all``."""
    from services.reranking.rerankers import score_frame

    def booster(value: float) -> SimpleNamespace:
        return SimpleNamespace(predict=lambda matrix, num_threads: np.full(len(matrix), value))

    model = SimpleNamespace(feature_names=("knn_score",), card={"categorical_codes": {}}, objective="binary")
    boosters = {"all": booster(0.1), "NK": booster(0.2), "PK": booster(0.3)}
    frame = pd.DataFrame({"knn_score": [0.5, 0.6, 0.7, 0.8]})
    categories = np.array(["NK", "PK", "LK", "NK"], dtype=object)
    assert score_frame(model, boosters, frame, categories).tolist() == [0.2, 0.3, 0.1, 0.2]
    assert score_frame(model, boosters, frame, None).tolist() == [0.1] * 4
    assert score_frame(model, boosters, frame.iloc[:0], categories[:0]).tolist() == []
