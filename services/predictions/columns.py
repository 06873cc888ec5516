"""The columnar copy of a prediction set's stored predictions: what re-ranking and dataset export read.

Reading 10⁶ predictions out of ``go_prediction`` makes PostgreSQL produce about 30 million datums (≈ 5 s of
server CPU); the copy holds the same rows as a few Zstandard-compressed Parquet files (``prediction_set_columns``,
migration 0021), read back in a fraction of that.

Contract:
1. The copy of a set, its parts concatenated in order, is equal to ``stored_rows`` of the set: the rows of
   ``go_prediction`` of the set, in the order (protein_accession, go_term_id), with every column of
   ``NUMBERS`` (float64, NULL → NaN; the two ids int64) and of ``TEXTS`` (pandas ``str``, NULL → missing). It
   is built by ``build_copy`` from ``stored_rows`` — one read code path, so equal by construction — and holds
   only what is immutable in ``go_prediction`` (a set's predictions are written once, with the set, and never updated;
   they go with the set, and so does the copy: ON DELETE CASCADE).
2. The predictor builds the copy in the transaction that writes the set (``predict._write``); any other
   set (older sets, baseline sets, sets written by fixtures and benchmarks) gets it from its first read
   (``prediction_rows``), in the reader's transaction. A set without predictions has no copy (nothing to read).
3. ``prediction_rows`` is the read for features: the copy (built first when missing) with the catalog
   fallback applied at read time — a prediction without a stored query (reference) taxon takes the protein
   catalog's taxon of its query (reference) accession, as the catalog says now. Catalog values are never
   frozen into the copy.
4. Parts hold at most ``PART_ROWS`` rows each (a ``bytea`` value is at most 1 GB); two transactions building
   the same copy at once write the same bytes, and the second keeps the first's (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql as psql
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.pg_columns import read_columns
from services.db.pg_copy import driver_connection
from services.errors import WorkbenchError

Q = sql_blocks.load(__file__)
PART_ROWS = 1_000_000
COMPRESSION_LEVEL = 1  # Zstandard: level 1 writes fast and reads as fast as any other level
NUMBERS = (
    "go_prediction_id", "go_term_id", "query_sequence_id", "distance", "knn_score",
    "identity_nw", "similarity_nw", "alignment_score_nw", "gaps_pct_nw", "alignment_length_nw",
    "identity_sw", "similarity_sw", "alignment_score_sw", "gaps_pct_sw", "alignment_length_sw",
    "length_query", "length_ref", "query_taxonomy_id", "ref_taxonomy_id", "taxonomic_distance",
    "taxonomic_common_ancestors", "vote_count", "k_position", "go_term_frequency", "ref_annotation_density",
    "neighbor_distance_std", "neighbor_vote_fraction", "neighbor_min_distance", "neighbor_mean_distance",
)  # fmt: skip
IDS = ("go_prediction_id", "go_term_id")  # int64; every other number is float64
TEXTS = (
    "protein_accession", "go_id", "aspect", "qualifier", "evidence_code", "taxonomic_relation",
    "ref_protein_accession",
)  # fmt: skip
CATALOG_FALLBACK = (("query_taxonomy_id", "protein_accession"), ("ref_taxonomy_id", "ref_protein_accession"))
_BINARY_TYPES = {20: ">i8", 701: ">f8"}  # bigint, double precision
_BINARY_HEADER = 19  # signature (11 bytes), flags (4), header extension length (4, always 0)


def stored_rows(session: Session, prediction_set_id: int) -> pd.DataFrame:
    """The set's rows of ``go_prediction`` as stored (contract 1), in two reads of the same rows in the same order,
    both decoded without per-row Python: the numbers through ``COPY … TO STDOUT`` in PostgreSQL's binary format
    (every field 8 bytes and never NULL, so the stream is one numpy structured array) and the text columns as
    one row of aggregated columns (``read_columns``; NULL → None). The prediction ids of the two reads must
    agree row by row."""
    numbers = psql.SQL(Q.sql("stored_numbers")).format(p=psql.Literal(int(prediction_set_id)))
    with driver_connection(session).cursor() as cur:
        cur.execute(psql.SQL(Q.sql("describe_query")).format(query=numbers))
        fields = [(d.name, _BINARY_TYPES[d.type_code]) for d in cur.description or ()]
        binary = _copy_out(cur, psql.SQL(Q.sql("copy_binary_out")).format(query=numbers))
    if tuple(n for n, _ in fields) != NUMBERS:
        raise WorkbenchError("the stored_numbers block and columns.NUMBERS disagree")
    layout = np.dtype([("fields", ">i2")] + [p for n, t in fields for p in ((f"{n}__length", ">i4"), (n, t))])
    body = np.frombuffer(binary, dtype=np.uint8)[_BINARY_HEADER:-2]
    rows = body.view(layout) if len(body) % layout.itemsize == 0 else None
    lengths = [f"{n}__length" for n, _ in fields]
    if rows is None or any((rows[c] != 8).any() for c in lengths) or (rows["fields"] != len(fields)).any():
        raise WorkbenchError(f"prediction set {prediction_set_id}: unexpected binary layout of the stored rows")
    frame = pd.DataFrame({n: rows[n].astype(np.int64 if t == ">i8" else np.float64) for n, t in fields})
    texts = read_columns(session, Q.stored_texts, {"p": int(prediction_set_id)})
    if len(texts) != len(frame) or not np.array_equal(texts["go_prediction_id"], frame["go_prediction_id"]):
        raise WorkbenchError(f"prediction set {prediction_set_id} changed while it was read: run again")
    for column in TEXTS:
        frame[column] = texts[column]
    return frame


def _copy_out(cur: psycopg.Cursor, statement: psql.Composable) -> bytearray:
    buffer = bytearray()
    with cur.copy(statement) as copy:
        for block in copy:
            buffer += block
    return buffer


def _encode(rows: pd.DataFrame) -> bytes:
    """One part as a Parquet file: texts dictionary-encoded, floats byte-stream-split (NaN is a value, never
    null; a third smaller than plain under Zstandard and faster to decode), the ids as Parquet's default."""
    arrays = [pa.array(rows[c].to_numpy(np.int64 if c in IDS else np.float64)) for c in NUMBERS]
    arrays += [pa.array(rows[c], type=pa.string(), from_pandas=True) for c in TEXTS]
    table = pa.Table.from_arrays(arrays, names=[*NUMBERS, *TEXTS])
    sink = io.BytesIO()
    pq.write_table(
        table, sink, compression="zstd", compression_level=COMPRESSION_LEVEL, use_dictionary=list(TEXTS),
        column_encoding={c: "BYTE_STREAM_SPLIT" for c in NUMBERS if c not in IDS}, row_group_size=PART_ROWS,
        write_statistics=False,
    )  # fmt: skip
    return sink.getvalue()


def build_copy(session: Session, prediction_set_id: int) -> pd.DataFrame:
    """Write the set's columnar copy from ``stored_rows`` (contracts 1, 2, 4) and return those rows."""
    rows = stored_rows(session, prediction_set_id)
    with driver_connection(session).cursor() as cur:
        for part, start in enumerate(range(0, len(rows), PART_ROWS)):
            chunk = rows.iloc[start : start + PART_ROWS]
            cur.execute(
                Q.sql("insert_columnar_part"),
                {"p": int(prediction_set_id), "part": part, "rows": len(chunk), "data": _encode(chunk)},
            )
    return rows


def read_copy(session: Session, prediction_set_id: int) -> pd.DataFrame | None:
    """The set's columnar copy decoded (contract 1), or ``None`` when it has none."""
    with driver_connection(session).cursor(binary=True) as cur:
        cur.execute(Q.sql("columnar_parts"), {"p": int(prediction_set_id)})
        parts = cur.fetchall()
    if not parts:
        return None
    if [p for p, _, _ in parts] != list(range(len(parts))):
        raise WorkbenchError(f"prediction set {prediction_set_id}: the columnar copy lacks a part")
    tables = [pq.read_table(pa.BufferReader(data)) for _, _, data in parts]
    if [t.num_rows for t in tables] != [n for _, n, _ in parts]:
        raise WorkbenchError(f"prediction set {prediction_set_id}: a part of the columnar copy is damaged")
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    out: dict[str, object] = {c: table.column(c).to_numpy() for c in NUMBERS}
    out |= {c: table.column(c).to_pandas() for c in TEXTS}  # pandas' arrow-backed ``str``: no Python objects
    return pd.DataFrame(out, copy=False)


def prediction_rows(session: Session, prediction_set_id: int) -> pd.DataFrame:
    """The set's stored predictions for features (contract 3): the copy, built first when the set has none, with
    the protein catalog's taxon where a prediction stores none."""
    rows = read_copy(session, prediction_set_id)
    if rows is None:
        rows = build_copy(session, prediction_set_id)
    for column, accession in CATALOG_FALLBACK:
        values = rows[column].to_numpy(np.float64)
        missing = np.isnan(values)
        if not missing.any():
            continue
        codes, accessions = pd.factorize(rows[accession][missing])  # a missing accession → code -1
        found = dict(session.execute(Q.catalog_taxa, {"a": accessions.tolist()}).all())
        taxa = np.array([found.get(a, np.nan) for a in accessions] + [np.nan], dtype=np.float64)
        filled = values.copy()
        filled[missing] = taxa[codes]  # code -1 (no accession) → the trailing NaN
        rows[column] = filled
    return rows
