"""FASTA loading: UniProt header parsing, MD5 dedup, query sets, and bad input that stores nothing."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import InputFileError, InvalidInput, PermissionDenied
from services.proteins.fasta import parse_uniprot_header, split_accession
from services.proteins.fasta_loader import load_fasta
from services.proteins.models import Protein, QuerySet, QuerySetEntry, Sequence
from tests.support.protein_fixtures import UNIPROT_FASTA, write

CURATOR = Identity("cora", Role.CURATOR)
VIEWER = Identity("vic", Role.VIEWER)


def test_parse_uniprot_header_fields() -> None:
    h = parse_uniprot_header("sp|P12345-2|AATM_TEST Isoform 2 of X OS=Testus organismus OX=9999 GN=GOT2 PE=1 SV=3")
    assert h is not None
    assert (h.accession, h.canonical_accession, h.isoform_index) == ("P12345-2", "P12345", 2)
    assert not h.is_canonical
    assert (h.entry_name, h.reviewed, h.protein_name) == ("AATM_TEST", True, "Isoform 2 of X")
    assert (h.organism, h.taxonomy_id, h.gene_name, h.protein_existence, h.sequence_version) == (
        "Testus organismus",
        9999,
        "GOT2",
        1,
        3,
    )
    tr = parse_uniprot_header("tr|A0A024R161|A0A024R161_TEST Uncharacterized OS=T OX=1")
    assert tr is not None and tr.reviewed is False and tr.is_canonical and tr.gene_name is None
    assert parse_uniprot_header("P69905 bare accession").accession == "P69905"
    assert parse_uniprot_header("my_query_1 something") is None
    assert split_accession("A0A024R161-12") == ("A0A024R161", 12)


def test_load_reference_proteins_dedups_sequences(db_url, tmp_path) -> None:
    path = write(tmp_path, "ref.fasta", UNIPROT_FASTA)
    with session_scope() as s:
        result = load_fasta(s, path, CURATOR)
    # P12345-2 and Q9Y6K9 share one sequence (the terminal '*' is dropped).
    assert result.as_dict() == {
        "proteins": 4,
        "sequences_new": 3,
        "sequences_reused": 1,
        "query_set_id": None,
        "sequences_changed": 0,
        "warnings": [],
    }
    with session_scope() as s:
        iso = s.get(Protein, "P12345-2")
        assert (iso.canonical_accession, iso.isoform_index, iso.is_canonical) == ("P12345", 2, False)
        assert iso.sequence_id == s.get(Protein, "Q9Y6K9").sequence_id
        tr = s.get(Protein, "A0A024R161")
        assert tr.reviewed is False and tr.sequence.sequence == "MKVLAAGIVALLVAGCSSKT" and tr.length == 20
        assert s.get(Protein, "P12345").gene_name == "GOT2"

    # Loading again reuses every sequence and refreshes the proteins in place.
    with session_scope() as s:
        again = load_fasta(s, path, CURATOR)
        assert again.as_dict() == {
            "proteins": 4,
            "sequences_new": 0,
            "sequences_reused": 4,
            "query_set_id": None,
            "sequences_changed": 0,
            "warnings": [],
        }
        assert s.scalar(select(func.count()).select_from(Sequence)) == 3
        assert s.scalar(select(func.count()).select_from(Protein)) == 4


def test_gzip_fasta_and_query_set_keeps_headers(db_url, tmp_path) -> None:
    write(tmp_path, "ref.fasta", UNIPROT_FASTA)
    with session_scope() as s:
        load_fasta(s, tmp_path / "ref.fasta", CURATOR)
    queries = ">query one with words\nMKVLAAGIVALLVAGCSSKT\n>q2\nMMMM\n"
    path = write(tmp_path, "q.fasta.gz", gzip.compress(queries.encode()))
    with session_scope() as s:
        result = load_fasta(s, path, CURATOR, query_set="cafa-mini")
    assert (result.proteins, result.sequences_new, result.sequences_reused) == (2, 1, 1)
    with session_scope() as s:
        qs = s.get(QuerySet, result.query_set_id)
        assert qs.name == "cafa-mini" and qs.created_by == "cora"
        assert [(e.position, e.accession, e.header) for e in qs.entries] == [
            (1, "query", "query one with words"),
            (2, "q2", "q2"),
        ]
        # Query entries are not reference proteins.
        assert s.scalar(select(func.count()).select_from(Protein)) == 4
    with session_scope() as s, pytest.raises(InvalidInput, match="already exists"):
        load_fasta(s, path, CURATOR, query_set="cafa-mini")


@pytest.mark.parametrize(
    ("content", "query_set", "message"),
    [
        (
            ">sp|P12345|A_TEST ok\nMKV\nhello there\n>sp|P99999|B_TEST\n\n",
            None,
            "'sp|P99999|B_TEST' has an empty sequence",
        ),
        (">sp|P12345|A_TEST ok\nMKV1LL\n", None, "invalid residue '1' at position 4"),
        (">a\nMKV\n>b\nMK-V\n", "qs", "entry 'b' has an invalid residue '-'"),
        ("just some text\nnot fasta\n", None, "line 1: not FASTA"),
        ("", None, "no FASTA entries"),
        (">a first\nMKV\n>a again\nMKV\n", "qs", "line 5: duplicate entry 'a' \\(first seen on line 3\\)"),
        (">sp|P12345|A_TEST\nMKV\n>sp|P12345|A_TEST\nMKV\n", None, "duplicate entry 'P12345'"),
        (">my_protein\nMKV\n", None, "'my_protein' is not a UniProt FASTA header"),
        (">\nMKV\n", "qs", "empty FASTA header"),
    ],
)
def test_bad_fasta_is_refused_and_nothing_is_stored(db_url, tmp_path, content, query_set, message) -> None:
    # A good entry first, so a refusal proves that nothing partial was kept.
    good = ">sp|O00001|GOOD_TEST fine\nMKVL\n" if content.startswith(">") else ""
    path = write(tmp_path, "bad.fasta", good + content)
    with pytest.raises(InputFileError, match=message), session_scope() as s:
        load_fasta(s, path, CURATOR, query_set=query_set)
    with session_scope() as s:
        for model in (Sequence, Protein, QuerySet, QuerySetEntry):
            assert s.scalar(select(func.count()).select_from(model)) == 0


def test_binary_junk_and_missing_file(db_url, tmp_path) -> None:
    junk = write(tmp_path, "junk.fasta", b">x\nMKV\n\xff\xfe\x00garbage")
    with pytest.raises(InputFileError, match="not a UTF-8 text file"), session_scope() as s:
        load_fasta(s, junk, CURATOR, query_set="j")
    with pytest.raises(InputFileError, match="no such file"), session_scope() as s:
        load_fasta(s, tmp_path / "missing.fasta", CURATOR)


def test_viewer_cannot_load(db_url, tmp_path) -> None:
    path = write(tmp_path, "ref.fasta", UNIPROT_FASTA)
    with pytest.raises(PermissionDenied), session_scope() as s:
        load_fasta(s, path, VIEWER)


def test_query_set_entries_are_known_by_their_uniprot_accession(db_url, tmp_path) -> None:
    """Issue 17: a query entry ``sp|O13297|CET1_YEAST`` is O13297 (so its known terms can be found), other
    entries keep their first header word; the header stays whole."""
    queries = ">sp|O13297|CET1_YEAST mRNA-capping enzyme OS=yeast\nMKVL\n>tr|A0A024|X_HUMAN\nMMMM\n>my-query 1\nMKK\n"
    path = write(tmp_path, "q.fasta", queries)
    with session_scope() as s:
        result = load_fasta(s, path, CURATOR, query_set="uniprot-ids")
    with session_scope() as s:
        qs = s.get(QuerySet, result.query_set_id)
        assert [(e.accession, e.header) for e in qs.entries] == [
            ("O13297", "sp|O13297|CET1_YEAST mRNA-capping enzyme OS=yeast"),
            ("A0A024", "tr|A0A024|X_HUMAN"),
            ("my-query", "my-query 1"),
        ]
    dup = write(tmp_path, "dup.fasta", ">sp|O13297|CET1_YEAST\nMKV\n>O13297 again\nMKV\n")
    with session_scope() as s, pytest.raises(InputFileError, match="duplicate entry 'O13297'"):
        load_fasta(s, dup, CURATOR, query_set="dups")
