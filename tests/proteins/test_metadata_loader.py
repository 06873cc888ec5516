"""UniProt TSV metadata: label mapping, canonical accessions, upsert, bad input that stores nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from services.db.engine import session_scope
from services.errors import InputFileError
from services.proteins.metadata_loader import COLUMNS, Q, load_uniprot_metadata
from services.proteins.models import Protein, ProteinUniProtMetadata
from tests.support.go_annotation_fixtures import CURATOR
from tests.support.protein_fixtures import UNIPROT_FASTA

TSV = (
    "Entry\tEntry Name\tProtein names\tFunction [CC]\tEC number\tPathway\tKinetics\tKeywords\tRhea ID\n"
    "P12345\tAATM_TEST\tAspartate aminotransferase\tFUNCTION: Catalyzes things.\t2.6.1.1\t"
    "Amino-acid metabolism.\tKM=1 mM\tMitochondrion;Transferase\tRHEA:21824\n"
    "Q9Y6K9-1\tNEMO_TEST\tNEMO\t\t\t\t\tKinase\t\n"
)


def test_load_metadata_and_isoforms_inherit_it(db_url, tmp_path) -> None:
    from services.proteins.fasta_loader import load_fasta

    (tmp_path / "ref.fasta").write_text(UNIPROT_FASTA)
    (tmp_path / "meta.tsv").write_text(TSV)
    with session_scope() as s:
        load_fasta(s, tmp_path / "ref.fasta", CURATOR)
        result = load_uniprot_metadata(s, tmp_path / "meta.tsv", CURATOR)
    assert result.as_dict() == {"entries": 2, "inserted": 2, "updated": 0}
    with session_scope() as s:
        m = s.get(ProteinUniProtMetadata, "P12345")
        assert (m.function_cc, m.ec_number, m.kinetics, m.rhea_id) == (
            "FUNCTION: Catalyzes things.",
            "2.6.1.1",
            "KM=1 mM",
            "RHEA:21824",
        )
        assert m.extra == {"Entry Name": "AATM_TEST"}
        nemo = s.get(ProteinUniProtMetadata, "Q9Y6K9")  # the isoform accession maps to its canonical one
        assert nemo.function_cc is None and nemo.keywords == "Kinase"
        # An isoform reads its canonical entry's metadata.
        iso = s.get(Protein, "P12345-2")
        assert s.get(ProteinUniProtMetadata, iso.canonical_accession).ec_number == "2.6.1.1"
    (tmp_path / "meta2.tsv").write_text("accession\tcc_function\nP12345\tFUNCTION: Updated.\n")
    with session_scope() as s:
        again = load_uniprot_metadata(s, tmp_path / "meta2.tsv", CURATOR)
    assert again.as_dict() == {"entries": 1, "inserted": 0, "updated": 1}
    with session_scope() as s:
        assert s.get(ProteinUniProtMetadata, "P12345").function_cc == "FUNCTION: Updated."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Name\tFunction [CC]\nP12345\tx\n", "line 1: not a UniProt TSV export"),
        ("Entry\tFunction [CC]\nP12345\tx\nP99999\n", "line 3: expected 2 columns, found 1"),
        ("Entry\tFunction [CC]\nP12345\tx\nnot-an-acc\ty\n", "line 3: 'not-an-acc' is not a UniProt accession"),
        ("Entry\tFunction [CC]\nP12345\tx\nP12345-3\ty\n", "line 3: P12345 appears twice"),
        ("", "empty file"),
    ],
)
def test_bad_metadata_stores_nothing(db_url, tmp_path, content, message) -> None:
    (tmp_path / "bad.tsv").write_text(content)
    with pytest.raises(InputFileError, match=message), session_scope() as s:
        load_uniprot_metadata(s, tmp_path / "bad.tsv", CURATOR)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(ProteinUniProtMetadata)) == 0


def test_reload_replaces_every_metadata_column() -> None:
    """The upsert's SET list is spelled out in queries.sql: it must name each loaded column but the key."""
    assigned = re.findall(r"(\w+) = excluded\.(\w+)", Q.sql("upsert_staged_metadata"))
    assert all(left == right for left, right in assigned)
    assert sorted(left for left, _ in assigned) == sorted(c for c in COLUMNS if c != "canonical_accession")
