"""Loading what a prediction run reads: the reference (annotated, embedded proteins), queries, vectors.

Contract:
1. The reference is the proteins of an annotation set that have at least one transferable annotation
   (not NOT-qualified, evidence code in the filter) and a vector under the config. A (protein, term) pair
   that also has a NOT annotation in the set is not transferable either.
2. A sequence's vector for search is the mean of its chunk vectors (one row when unchunked).
3. Query taxonomy comes from the catalog (accessions) or from the FASTA header's ``OX=`` (query sets).
4. Vectors travel in pgvector's binary format (``pgvector.psycopg``), not as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pgvector.psycopg import register_vector
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.pg_copy import driver_connection
from services.errors import NotFound
from services.predictions.transfer import RefAnnotation

EXPERIMENTAL_EVIDENCE = (
    "EXP",
    "IDA",
    "IPI",
    "IMP",
    "IGI",
    "IEP",
    "HTP",
    "HDA",
    "HMP",
    "HGI",
    "HEP",
    "IC",
    "TAS",
)
Q = sql_blocks.load(__file__)
_OX = re.compile(r"\bOX=(\d+)")


@dataclass(frozen=True)
class Protein:
    accession: str
    sequence_id: int
    taxonomy_id: int | None


@dataclass
class Reference:
    proteins: list[Protein]
    terms: dict[int, list[RefAnnotation]]  # row -> transferable annotations (one per term)
    term_frequency: dict[int, float]


def load_reference(session: Session, annotation_set_id: int, config_id: int, evidence: Iterable[str]) -> Reference:
    rows = session.execute(
        Q.reference_annotations,
        {"aset": annotation_set_id, "codes": list(evidence), "cfg": config_id},
    ).all()
    index: dict[str, int] = {}
    proteins: list[Protein] = []
    terms: dict[int, list[RefAnnotation]] = {}
    counts: dict[int, int] = {}
    for acc, term, aspect, qualifier, code, seq_id, tax in rows:
        row = index.get(acc)
        if row is None:
            row = index[acc] = len(proteins)
            proteins.append(Protein(acc, seq_id, tax))
        terms.setdefault(row, []).append(RefAnnotation(term, aspect, qualifier, code))
        counts[term] = counts.get(term, 0) + 1
    n = len(proteins) or 1
    return Reference(proteins, terms, {t: c / n for t, c in counts.items()})


def query_set_queries(session: Session, query_set: str) -> tuple[int, list[Protein]]:
    qs = session.execute(Q.query_set_by_name, {"n": query_set}).scalar()
    if qs is None:
        raise NotFound(f"no query set named {query_set!r}")
    rows = session.execute(Q.query_set_entries, {"q": qs}).all()
    queries = []
    for acc, seq_id, header in rows:
        match = _OX.search(header or "")
        queries.append(Protein(acc, seq_id, int(match.group(1)) if match else None))
    return qs, queries


def accession_queries(session: Session, accessions: list[str]) -> list[Protein]:
    rows = session.execute(Q.proteins_by_accession, {"a": accessions}).all()
    found = {r[0]: Protein(r[0], r[1], r[2]) for r in rows}
    missing = [a for a in accessions if a not in found]
    if missing:
        raise NotFound(f"no protein {', '.join(missing[:5])}" + (" …" if len(missing) > 5 else ""))
    return [found[a] for a in dict.fromkeys(accessions)]


def sequence_vectors(session: Session, config_id: int, sequence_ids: list[int]) -> dict[int, np.ndarray]:
    """Each sequence's search vector: the mean of its chunk vectors under the config (contract 2).

    Rows come in pgvector's binary format and are averaged here rather than with a SQL aggregate, so an
    unchunked config (one row per sequence) costs one pass over the rows and no aggregation in the server.
    """
    conn = driver_connection(session)
    register_vector(conn)
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    with conn.cursor(binary=True) as cur:
        cur.execute(Q.sql("sequence_vectors"), {"cfg": config_id, "ids": sequence_ids})
        for sid, vec in cur:
            values = np.asarray(vec.to_numpy(), dtype=np.float32)
            if sid in sums:
                sums[sid] = sums[sid] + values
                counts[sid] += 1
            else:
                sums[sid], counts[sid] = values, 1
    return {sid: (v / counts[sid] if counts[sid] > 1 else v) for sid, v in sums.items()}


def sequences_of(session: Session, sequence_ids: Iterable[int]) -> dict[int, str]:
    rows = session.execute(Q.sequences_by_id, {"ids": list(set(sequence_ids))})
    return {r[0]: r[1] for r in rows}
