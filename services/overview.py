"""What the workbench holds, for the home page: one count per kind of record.

Counts use the planner's estimate for big tables (exact counts of millions of rows are slow) and an exact
count for small ones. Domains add their tables to ``HOLDINGS``; tables not yet migrated are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.identifiers import quote_identifier

Q = sql_blocks.load(__file__, "overview.sql")

HOLDINGS: tuple[tuple[str, str], ...] = (
    ("Jobs", "job"),
    ("Proteins", "protein"),
    ("Sequences", "sequence"),
    ("GO terms", "go_term"),
    ("GO annotations", "protein_go_annotation"),
    ("Query sets", "query_set"),
    ("Embeddings", "sequence_embedding"),
    ("Prediction sets", "prediction_set"),
    ("GO predictions", "go_prediction"),
    ("Variants", "variants"),
    ("Alleles", "alleles"),
    ("Samples", "samples"),
    ("VCF loads", "variant_load_audit"),
    ("Annotation releases", "annotation_sources"),
    ("Annotation links", "annotation_link"),
)
EXACT_BELOW = 100_000


@dataclass(frozen=True)
class Holding:
    label: str
    table: str
    count: int
    estimated: bool


def holdings(session: Session) -> list[Holding]:
    result: list[Holding] = []
    for label, table in HOLDINGS:
        estimate = session.execute(Q.estimated_rows, {"t": table}).scalar()
        if estimate is None:
            continue
        if estimate < EXACT_BELOW:
            exact = session.execute(Q.formatted("exact_rows", table=quote_identifier(table))).scalar_one()
            result.append(Holding(label, table, int(exact), False))
        else:
            result.append(Holding(label, table, int(estimate), True))
    return result
