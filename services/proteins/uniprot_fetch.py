"""Fetching proteins from the UniProt REST API (``/uniprotkb/search``) into the catalog.

Contract:
1. One TSV search with the fields the catalog keeps, paged by UniProt's cursor (the ``Link: rel="next"``
   header), each page fetched with retries and back-off (``services.web_fetch``); ``limit`` stops early.
2. What arrives goes through the same loaders as files do: the entries become a UniProt FASTA (headers
   ``sp|ACC|ID name OS= OX= GN= PE= SV=``) for ``load_fasta`` and a metadata TSV for
   ``load_uniprot_metadata``, in the caller's unit of work — so the same checks apply and it is all or
   nothing. Writers must be curators.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.errors import InvalidInput
from services.jobs.progress import ProgressReporter
from services.proteins.fasta_loader import load_fasta
from services.proteins.metadata_loader import FIELDS, load_uniprot_metadata
from services.web_fetch import SourceFormatError, check_outbound_url, get, next_link

DEFAULT_BASE_URL = "https://rest.uniprot.org"
CORE_FIELDS = (
    "accession",
    "id",
    "reviewed",
    "protein_name",
    "gene_primary",
    "organism_name",
    "organism_id",
    "protein_existence",
    "sequence_version",
    "sequence",
)
METADATA_FIELDS = (
    "cc_function",
    "ec",
    "cc_catalytic_activity",
    "cc_cofactor",
    "cc_activity_regulation",
    "cc_pathway",
    "kinetics",
    "ph_dependence",
    "temp_dependence",
    "cc_subcellular_location",
    "keyword",
    "rhea",
)
# TSV column label (lower case) or field name → the field it carries
_LABELS = {
    "entry": "accession",
    "entry name": "id",
    "reviewed": "reviewed",
    "protein names": "protein_name",
    "gene names (primary)": "gene_primary",
    "organism": "organism_name",
    "organism (id)": "organism_id",
    "protein existence": "protein_existence",
    "sequence version": "sequence_version",
    "sequence": "sequence",
}
_EXISTENCE = {
    "evidence at protein level": 1,
    "evidence at transcript level": 2,
    "inferred from homology": 3,
    "predicted": 4,
    "uncertain": 5,
}


@dataclass(frozen=True)
class UniProtFetchResult:
    proteins: int
    sequences_new: int
    sequences_reused: int
    metadata: int
    pages: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def fetch_uniprot(
    session: Session,
    query: str,
    identity: Identity,
    *,
    limit: int | None = None,
    base_url: str | None = None,
    page_size: int = 500,
    progress: ProgressReporter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> UniProtFetchResult:
    require(identity, Role.CURATOR, "fetch proteins from UniProt")
    if not query or not query.strip():
        raise InvalidInput("a UniProt query is needed, e.g. 'organism_id:559292 AND reviewed:true'")
    progress = progress or ProgressReporter(None)
    url: str | None = check_outbound_url(f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/uniprotkb/search")
    params: dict[str, object] | None = {
        "query": query.strip(),
        "format": "tsv",
        "fields": ",".join(CORE_FIELDS + METADATA_FIELDS),
        "size": min(page_size, limit or page_size),
    }
    header: list[str] | None = None
    rows: list[list[str]] = []
    pages = 0
    while url and (limit is None or len(rows) < limit):
        progress.check_cancelled()
        response = get(url, params=params, sleep=sleep)
        total = response.headers.get("X-Total-Results")
        if total and total.isdigit():
            progress.set_total(min(int(total), limit or int(total)))
        lines = [line for line in response.read_text().splitlines() if line.strip()]
        pages += 1
        if lines:
            header = header or lines[0].split("\t")
            rows.extend(line.split("\t") for line in lines[1:])
        progress.set(min(len(rows), limit or len(rows)))
        url, params = next_link(response.headers), None
    rows = rows[:limit] if limit is not None else rows
    if not rows:
        return UniProtFetchResult(0, 0, 0, 0, pages)
    fasta, metadata = _as_files(header or [], rows)
    loaded = load_fasta(session, io.BytesIO(fasta.encode()), identity, source_name=f"UniProt: {query}")
    meta = load_uniprot_metadata(session, io.BytesIO(metadata.encode()), identity, source_name=f"UniProt REST: {query}")
    return UniProtFetchResult(loaded.proteins, loaded.sequences_new, loaded.sequences_reused, meta.entries, pages)


def _as_files(header: list[str], rows: list[list[str]]) -> tuple[str, str]:
    """The fetched TSV as a UniProt FASTA and a metadata TSV (header of UniProt labels)."""
    names = [_LABELS.get(h.strip().lower(), h.strip()) for h in header]
    meta_labels = {label: column for column, labels in FIELDS.items() for label in labels}
    meta_cols = [i for i, h in enumerate(header) if h.strip().lower() in meta_labels]
    if "accession" not in names or "sequence" not in names:
        raise SourceFormatError("UniProt answered without Entry and Sequence columns")
    fasta: list[str] = []
    tsv = ["\t".join(["Entry", *(header[i].strip() for i in meta_cols)])]
    for row in rows:
        if len(row) != len(header):
            raise SourceFormatError(f"UniProt answered a row with {len(row)} columns, expected {len(header)}")
        r = dict(zip(names, row, strict=True))
        db = "sp" if r.get("reviewed", "").strip().lower() == "reviewed" else "tr"
        fields = [r.get("protein_name", "").strip()]
        for key, tag in (("organism_name", "OS"), ("organism_id", "OX"), ("gene_primary", "GN")):
            if r.get(key, "").strip():
                fields.append(f"{tag}={r[key].strip()}")
        pe = _EXISTENCE.get(r.get("protein_existence", "").strip().lower())
        if pe:
            fields.append(f"PE={pe}")
        if r.get("sequence_version", "").strip().isdigit():
            fields.append(f"SV={r['sequence_version'].strip()}")
        entry_name = r.get("id", "").strip() or r["accession"]
        fasta.append(
            f">{db}|{r['accession'].strip()}|{entry_name} {' '.join(f for f in fields if f)}\n{r['sequence'].strip()}\n"
        )
        tsv.append("\t".join([r["accession"].strip(), *(row[i] for i in meta_cols)]))
    return "".join(fasta), "\n".join(tsv) + "\n"
