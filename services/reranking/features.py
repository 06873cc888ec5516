"""Re-ranker features: one declaration of the feature families, and one function that computes them for the
stored predictions of a prediction set. Dataset export and re-ranking both call ``feature_frame``, so a model
sees at serving time exactly the features it was trained on (no train/serve skew).

Contract:
1. ``FAMILIES`` lists every family with its columns; categorical columns hold strings (codes are assigned at
   training and stored with the model, never re-derived). ``DEFAULT_FAMILIES`` are the stored ones; the
   taxonomy voters and the 16 PCA components of the query embedding are opt-in. (anc2vec GO-term vectors are
   left out: no pretrained vectors can be had here.)
2. A family is *produced* for a prediction set only when its inputs exist (``produced_families``): alignment
   when the run aligned, taxonomy when it read a taxdump, KNN aggregates, voters and PCA for embedding runs.
   ``feature_schema_sha`` fingerprints the produced families and their sorted columns.
3. The PCA of an embedding config is fitted once (on its stored vectors, deterministically) and kept in the
   database (``embedding_pca``): every later projection reads it from there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.pg_columns import read_columns
from services.errors import InvalidInput, NotFound
from services.predictions.columns import prediction_rows
from services.predictions.reference import sequence_vectors
from services.predictions.taxonomy import load_taxonomy
from services.reranking.steps import StepClock

Q = sql_blocks.load(__file__)
PCA_COMPONENTS = 16
PCA_MAX_SAMPLES = 20_000
CLOSE_TAXONOMIC_DISTANCE = 4  # edges from query and reference up to their LCA, summed: same genus or closer


@dataclass(frozen=True)
class Family:
    name: str
    columns: tuple[str, ...]
    description: str
    categorical: tuple[str, ...] = ()
    default: bool = True


FAMILIES: tuple[Family, ...] = (
    Family(
        "knn",
        ("knn_score", "distance", "vote_count", "k_position", "ref_annotation_density", "neighbor_distance_std",
         "neighbor_vote_fraction", "neighbor_min_distance", "neighbor_mean_distance"),
        "KNN score and the aggregates over the neighbours that carry the term",
    ),
    Family(
        "alignment",
        ("identity_nw", "similarity_nw", "alignment_score_nw", "gaps_pct_nw", "alignment_length_nw",
         "identity_sw", "similarity_sw", "alignment_score_sw", "gaps_pct_sw", "alignment_length_sw"),
        "global (NW) and local (SW) alignment with the reference protein",
    ),
    Family("lengths", ("length_query", "length_ref", "length_ratio"), "query and reference lengths"),
    Family(
        "taxonomy",
        ("same_taxon", "taxonomic_distance", "taxonomic_common_ancestors", "taxonomic_relation"),
        "query and reference taxa compared (NCBI taxdump)",
        categorical=("taxonomic_relation",),
    ),
    Family(
        "go_context",
        ("aspect", "evidence_code", "qualifier", "go_term_frequency"),
        "the transferred annotation: aspect, evidence, qualifier, term frequency",
        categorical=("aspect", "evidence_code", "qualifier"),
    ),
    Family(
        "taxonomy_voters",
        ("voter_same_species_fraction", "voter_close_fraction", "voter_mean_common_ancestors"),
        "share of the query's neighbours voting for the term from its species / a close taxon",
        default=False,
    ),
    Family(
        "embedding_pca",
        tuple(f"pca_{i:02d}" for i in range(PCA_COMPONENTS)),
        "16 principal components of the query embedding (PCA stored per embedding config)",
        default=False,
    ),
)  # fmt: skip
BY_NAME = {f.name: f for f in FAMILIES}
DEFAULT_FAMILIES: tuple[str, ...] = tuple(f.name for f in FAMILIES if f.default)
CATEGORICAL: frozenset[str] = frozenset(c for f in FAMILIES for c in f.categorical)
META_COLUMNS = ("go_prediction_id", "protein_accession", "go_term_id", "go_id")


def parse_families(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Family names in declaration order; ``None`` → the defaults; ``+name`` adds to the defaults."""
    if value is None or value == "":
        return DEFAULT_FAMILIES
    names = [n.strip() for n in (value.split(",") if isinstance(value, str) else value) if n and n.strip()]
    chosen = set(DEFAULT_FAMILIES) if names and all(n.startswith("+") for n in names) else set()
    for name in names:
        name = name.lstrip("+")
        if name == "all":
            chosen |= set(BY_NAME)
        elif name not in BY_NAME:
            raise InvalidInput(f"unknown feature family {name!r}: choose among {', '.join(BY_NAME)}")
        else:
            chosen.add(name)
    return tuple(f.name for f in FAMILIES if f.name in chosen)


def columns_of(families: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for f in FAMILIES if f.name in families for c in f.columns)


def schema_sha(families: Sequence[str], columns: Sequence[str]) -> str:
    """The feature schema fingerprint: sha256 of the sorted family names and sorted column names."""
    payload = json.dumps({"families": sorted(families), "columns": sorted(columns)}, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class FeatureFrame:
    """Per stored prediction: ``META_COLUMNS`` then the produced feature columns (declaration order)."""

    frame: pd.DataFrame
    families: tuple[str, ...]
    columns: tuple[str, ...]

    @property
    def schema_sha(self) -> str:
        return schema_sha(self.families, self.columns)


def produced_families(ps: object, requested: Sequence[str]) -> tuple[str, ...]:
    """The requested families this prediction set has the inputs for (contract 2)."""
    params = dict(getattr(ps, "params", None) or {})
    embedding_run = getattr(ps, "embedding_config_id", None) is not None and getattr(ps, "k", None) is not None
    available = {
        "knn": embedding_run,
        "alignment": bool(params.get("alignments")),
        "lengths": True,
        "taxonomy": bool(params.get("taxdump")),
        "go_context": True,
        "taxonomy_voters": embedding_run,
        "embedding_pca": getattr(ps, "embedding_config_id", None) is not None,
    }
    return tuple(name for name in requested if available[name])


def prediction_set_row(session: Session, prediction_set_id: int) -> object:
    ps = session.execute(Q.prediction_set_by_id, {"id": prediction_set_id}).first()
    if ps is None:
        raise NotFound(f"prediction set {prediction_set_id} does not exist")
    return ps


def feature_frame(
    session: Session, prediction_set_id: int, families: Sequence[str], *, clock: StepClock | None = None
) -> FeatureFrame:
    """Every stored prediction of the set with the requested families that can be produced (contract 2).

    Rows are ordered by protein accession and GO term id. ``clock`` (optional) records the steps ``read`` (the
    stored columns) and ``features`` (the derived families)."""
    clock = clock or StepClock()
    with clock.step("read"):
        ps = prediction_set_row(session, prediction_set_id)
        produced = produced_families(ps, families)
        raw = prediction_rows(session, prediction_set_id)
    with clock.step("features"):
        out: dict[str, object] = {c: raw[c].to_numpy() if c in _ID_COLUMNS else raw[c] for c in META_COLUMNS}
        for family in produced:
            out |= _family_columns(session, ps, family, raw)
        columns = columns_of(produced)
        frame = pd.DataFrame({c: _values(out[c]) for c in (*META_COLUMNS, *columns)}, copy=False)
    return FeatureFrame(frame, produced, columns)


_ID_COLUMNS = ("go_prediction_id", "go_term_id")


def _values(column: object) -> object:
    """A column for the frame: a Series's values without its index (the frame gets a fresh 0..n-1 index)."""
    return column.array if isinstance(column, pd.Series) else column


def _category(values: pd.Series) -> pd.Series:
    """Strings, missing as NaN (pandas' ``str``: arrow-backed, no Python object per value)."""
    return values.astype("str")


def _family_columns(session: Session, ps: object, family: str, raw: pd.DataFrame) -> dict[str, object]:
    if family == "knn":
        return {c: raw[c].to_numpy(np.float64) for c in BY_NAME["knn"].columns}
    if family == "alignment":
        return {c: raw[c].to_numpy(np.float64) for c in BY_NAME["alignment"].columns}
    if family == "lengths":
        q, r = raw["length_query"].to_numpy(np.float64), raw["length_ref"].to_numpy(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.minimum(q, r) / np.maximum(q, r)
        return {"length_query": q, "length_ref": r, "length_ratio": ratio}
    if family == "taxonomy":
        q, r = raw["query_taxonomy_id"].to_numpy(np.float64), raw["ref_taxonomy_id"].to_numpy(np.float64)
        same = np.where(np.isnan(q) | np.isnan(r), np.nan, (q == r).astype(np.float64))
        return {
            "same_taxon": same,
            "taxonomic_distance": raw["taxonomic_distance"].to_numpy(np.float64),
            "taxonomic_common_ancestors": raw["taxonomic_common_ancestors"].to_numpy(np.float64),
            "taxonomic_relation": _category(raw["taxonomic_relation"]),
        }
    if family == "go_context":
        return {
            "aspect": _category(raw["aspect"]),
            "evidence_code": _category(raw["evidence_code"]),
            "qualifier": _category(raw["qualifier"]),
            "go_term_frequency": raw["go_term_frequency"].to_numpy(np.float64),
        }
    if family == "taxonomy_voters":
        return _taxonomy_voters(session, ps, raw)
    if family == "embedding_pca":
        return _pca_columns(session, ps.embedding_config_id, raw["query_sequence_id"].to_numpy(np.int64))
    raise InvalidInput(f"unknown feature family {family!r}")


def _taxonomy_voters(session: Session, ps: object, raw: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per (query, term): among the query's n neighbours (of the term's aspect search), the share voting for the
    term from the query's species, the share from a close taxon (taxdump), and the voters' mean number of
    common ancestors with the query (taxdump). Proteins, aspects and terms are replaced by integer codes so
    that the joins and groupings over 10⁶ predictions run on one int64 key."""
    names = BY_NAME["taxonomy_voters"].columns
    nan = np.full(len(raw), np.nan)
    if raw.empty:
        return {c: nan for c in names}
    neighbours = _neighbour_rows(session, ps.id)
    if neighbours.empty:
        return {c: nan for c in names}
    refs = pd.Index(sorted(neighbours["ref_protein_accession"].unique().tolist()))
    terms = pd.DataFrame(
        session.execute(
            Q.neighbour_terms, {"aset": ps.annotation_set_id, "codes": list(ps.evidence_codes), "refs": list(refs)}
        ).all(),
        columns=["ref_protein_accession", "go_term_id", "term_aspect"],
    )
    protein, queries = pd.factorize(raw["protein_accession"])  # first-appearance order, as ``unique``
    searched_aspects = {str(a) for a in neighbours["aspect"].dropna().unique()}
    aspects = pd.Index(sorted({*searched_aspects, *terms["term_aspect"].dropna().unique(), "*"}))
    go_terms = pd.Index(np.unique(np.concatenate([terms["go_term_id"].to_numpy(np.int64),
                                                  raw["go_term_id"].to_numpy(np.int64)])))  # fmt: skip
    n_aspects, n_terms = len(aspects), len(go_terms)
    # Neighbours: (query, search aspect) → count n; votes: neighbour × the reference's terms of that aspect.
    nb = pd.DataFrame({
        "protein": _positions(queries, neighbours["protein_accession"]),
        "aspect": _positions(aspects, neighbours["aspect"]),
        "ref": _positions(refs, neighbours["ref_protein_accession"]),
        "ref_taxonomy_id": pd.to_numeric(neighbours["ref_taxonomy_id"], errors="coerce").to_numpy(np.float64),
    })  # fmt: skip
    nb = nb[(nb["protein"] >= 0) & (nb["aspect"] >= 0)]  # neighbours of other queries, or no aspect
    search = nb["protein"].to_numpy(np.int64) * n_aspects + nb["aspect"].to_numpy(np.int64)
    n = pd.Series(search).value_counts()
    annotated = pd.DataFrame({
        "ref": refs.get_indexer(terms["ref_protein_accession"]),
        "term": go_terms.get_indexer(terms["go_term_id"].to_numpy(np.int64)),
        "term_aspect": aspects.get_indexer(terms["term_aspect"]),
    })  # fmt: skip
    votes = nb.merge(annotated, on="ref")
    star = aspects.get_loc("*")
    votes = votes[(votes["aspect"] == star) | (votes["aspect"] == votes["term_aspect"])]
    _, first = np.unique(protein, return_index=True)  # each query's first row
    query_tax = raw["query_taxonomy_id"].to_numpy(np.float64)[first]
    q = query_tax[votes["protein"].to_numpy(np.int64)]
    r = votes["ref_taxonomy_id"].to_numpy(np.float64)
    key = (votes["protein"].to_numpy(np.int64) * n_aspects + votes["aspect"].to_numpy(np.int64)) * n_terms
    key = key + votes["term"].to_numpy(np.int64)
    per_vote = pd.DataFrame({"key": key, "same": ((q == r) & ~np.isnan(q)).astype(np.float64)})
    taxdump = (ps.params or {}).get("taxdump")
    if taxdump:
        taxonomy = load_taxonomy(taxdump)
        compared = [
            taxonomy.compare(None if np.isnan(a) else int(a), None if np.isnan(b) else int(b))
            for a, b in zip(q, r, strict=True)
        ]
        per_vote["close"] = [float(c is not None and c.distance <= CLOSE_TAXONOMIC_DISTANCE) for c in compared]
        per_vote["common"] = [np.nan if c is None else float(c.common_ancestors) for c in compared]
    grouped = per_vote.groupby("key").agg(
        same=("same", "sum"), **({"close": ("close", "sum"), "common": ("common", "mean")} if taxdump else {})
    )
    # Each prediction's (query, search aspect, term): the aspect searched is "*" when the run searched once.
    protein = protein.astype(np.int64)
    if searched_aspects == {"*"} and not neighbours["aspect"].isna().any():
        aspect = np.full(len(raw), star, dtype=np.int64)
    else:
        aspect = _positions(aspects, raw["aspect"])
    term = go_terms.get_indexer(raw["go_term_id"].to_numpy(np.int64)).astype(np.int64)
    searched = np.where(aspect >= 0, protein * n_aspects + aspect, -1)
    keys = np.where(aspect >= 0, searched * n_terms + term, -1)
    n_values = n.reindex(searched).to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        same = grouped["same"].reindex(keys).to_numpy(np.float64) / n_values
        close = grouped["close"].reindex(keys).to_numpy(np.float64) / n_values if taxdump else nan
    return {
        "voter_same_species_fraction": same,
        "voter_close_fraction": close,
        "voter_mean_common_ancestors": grouped["common"].reindex(keys).to_numpy(np.float64) if taxdump else nan,
    }


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """``index.get_indexer(values)`` (-1 where absent or missing) for an index of distinct strings, computed by
    arrow on the values' arrow strings (no Python object per value)."""
    value_set = pa.array(index.to_numpy(object), type=pa.large_string())
    found = pc.index_in(pa.array(values, from_pandas=True).cast(pa.large_string()), value_set=value_set)
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def _neighbour_rows(session: Session, prediction_set_id: int) -> pd.DataFrame:
    """The set's neighbour lists, read as one row of aggregated columns (no per-row Python)."""
    return read_columns(session, Q.neighbour_rows, {"p": int(prediction_set_id)})


@dataclass(frozen=True)
class StoredPCA:
    mean: np.ndarray  # (dimension,)
    components: np.ndarray  # (n_components, dimension)
    explained_variance_ratio: np.ndarray
    sample_count: int

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """(n, dimension) → (n, PCA_COMPONENTS); components beyond what was fitted are 0."""
        out = np.zeros((len(vectors), PCA_COMPONENTS), dtype=np.float64)
        if len(vectors):
            out[:, : len(self.components)] = (vectors.astype(np.float64) - self.mean) @ self.components.T
        return out


def fit_pca(vectors: np.ndarray) -> StoredPCA:
    """PCA by SVD of the centred vectors; each component's sign is fixed (largest |coefficient| positive)."""
    x = vectors.astype(np.float64)
    mean = x.mean(axis=0)
    centred = x - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    n = min(PCA_COMPONENTS, vt.shape[0])
    comps = vt[:n]
    signs = np.sign(comps[np.arange(n), np.abs(comps).argmax(axis=1)])
    comps = comps * np.where(signs == 0, 1.0, signs)[:, None]
    var = s**2
    ratio = var[:n] / var.sum() if var.sum() > 0 else np.zeros(n)
    return StoredPCA(mean, comps, ratio, len(x))


def ensure_pca(session: Session, config_id: int) -> StoredPCA:
    """The config's stored PCA, fitted and stored first when there is none (contract 3)."""
    row = session.execute(Q.pca_of_config, {"cfg": config_id}).first()
    if row is None:
        ids = list(session.execute(Q.embedded_sequences, {"cfg": config_id}).scalars())
        if len(ids) < 2:
            raise InvalidInput("the embedding PCA needs vectors of at least two sequences under the config")
        step = max(1, -(-len(ids) // PCA_MAX_SAMPLES))
        sample = ids[::step]
        vectors = sequence_vectors(session, config_id, sample)
        fitted = fit_pca(np.stack([vectors[i] for i in sample]))
        session.execute(
            Q.insert_pca,
            {
                "cfg": config_id,
                "n": len(fitted.components),
                "dim": int(fitted.components.shape[1]),
                "mean": fitted.mean.tolist(),
                "components": fitted.components.ravel().tolist(),
                "evr": fitted.explained_variance_ratio.tolist(),
                "samples": fitted.sample_count,
            },
        )
        row = session.execute(Q.pca_of_config, {"cfg": config_id}).first()
    components = np.asarray(row.components, dtype=np.float64).reshape(row.n_components, row.dimension)
    return StoredPCA(
        np.asarray(row.mean, dtype=np.float64), components,
        np.asarray(row.explained_variance_ratio, dtype=np.float64), int(row.sample_count),
    )  # fmt: skip


def _pca_columns(session: Session, config_id: int, sequence_ids: np.ndarray) -> dict[str, np.ndarray]:
    pca = ensure_pca(session, config_id)
    ids = np.asarray(sequence_ids, dtype=np.int64)
    unique = np.unique(ids)
    vectors = sequence_vectors(session, config_id, unique.tolist())
    dim = pca.mean.shape[0]
    matrix = (
        np.stack([vectors.get(int(s), np.full(dim, np.nan)) for s in unique]) if len(unique) else np.zeros((0, dim))
    )
    projected = pca.project(matrix)
    rows = projected[np.searchsorted(unique, ids)] if len(ids) else projected
    return {f"pca_{i:02d}": rows[:, i] for i in range(PCA_COMPONENTS)}
