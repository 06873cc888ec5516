"""Reading the protein catalog: search with filters and paging, one protein's detail.

Contract:
1. ``search_proteins`` matches ``text`` (case-insensitive substring) against accession, entry name, gene,
   protein name and organism (trigram index ``ix_protein_search_trgm``), applies the filters, and returns one
   page plus the total count. Rows are plain frozen dataclasses.
2. ``protein_detail`` raises ``NotFound`` for an unknown accession; metadata is read through the canonical
   accession, so isoforms show their entry's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.errors import NotFound

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class ProteinRow:
    accession: str
    entry_name: str | None
    gene_name: str | None
    protein_name: str | None
    organism: str | None
    taxonomy_id: int | None
    reviewed: bool | None
    is_canonical: bool
    length: int
    annotations: int


@dataclass(frozen=True)
class ProteinDetail:
    accession: str
    canonical_accession: str
    isoform_index: int | None
    is_canonical: bool
    entry_name: str | None
    reviewed: bool | None
    protein_name: str | None
    organism: str | None
    taxonomy_id: int | None
    gene_name: str | None
    protein_existence: int | None
    sequence_version: int | None
    length: int
    sequence: str
    sequence_hash: str
    metadata: dict[str, str | None]
    isoforms: list[str]
    shares_sequence_with: list[str]


@dataclass(frozen=True)
class CatalogCounts:
    proteins: int
    reviewed: int
    canonical: int
    sequences: int
    annotated: int


def search_proteins(
    session: Session,
    text: str = "",
    *,
    reviewed: bool | None = None,
    canonical_only: bool = False,
    has_annotations: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ProteinRow], int]:
    params = {
        "pattern": f"%{text.strip().lower()}%" if text and text.strip() else None,
        "reviewed": reviewed,
        "canonical": canonical_only,
        "annotated": has_annotations,
        "limit": max(1, min(int(limit), 1000)),
        "offset": max(0, int(offset)),
    }
    total = session.execute(Q.count_proteins, params).scalar_one()
    rows = session.execute(Q.search_proteins, params).all()
    return [ProteinRow(*r) for r in rows], int(total)


def catalog_counts(session: Session) -> CatalogCounts:
    return CatalogCounts(*session.execute(Q.catalog_counts).one())


def protein_detail(session: Session, accession: str) -> ProteinDetail:
    row = session.execute(Q.protein_detail, {"acc": accession.strip()}).mappings().first()
    if row is None:
        raise NotFound(f"no protein {accession.strip()!r} in the catalog")
    data = dict(row)
    meta = session.execute(Q.protein_metadata, {"acc": data["canonical_accession"]}).mappings().first()
    metadata: dict[str, str | None] = {}
    if meta is not None:
        metadata = {k: v for k, v in dict(meta).items() if k not in ("canonical_accession", "extra") and v}
        metadata.update({k: v for k, v in (meta["extra"] or {}).items() if v})
    isoforms = list(session.execute(Q.isoforms, {"canonical": data["canonical_accession"]}).scalars())
    shared = list(
        session.execute(Q.same_sequence, {"acc": data["accession"], "sequence_id": data.pop("sequence_id")}).scalars()
    )
    return ProteinDetail(**data, metadata=metadata, isoforms=isoforms, shares_sequence_with=shared)
