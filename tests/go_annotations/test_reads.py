"""Read services behind the pages: protein search/detail, annotation statistics, ontology browsing."""

from __future__ import annotations

import pytest

from services.db.engine import session_scope
from services.errors import InputFileError, NotFound
from services.go_annotations.browse import list_annotation_sets, protein_annotations, set_statistics
from services.go_annotations.loader import load_gaf
from services.ontology.browse import find_terms, list_snapshots, obsolete_terms, term_detail
from services.proteins.catalog import catalog_counts, protein_detail, search_proteins
from services.proteins.query_sets import check_fasta
from tests.support.go_annotation_fixtures import CURATOR, GAF_22, seed_catalog


@pytest.fixture
def seeded(db_url, tmp_path):
    snapshot = seed_catalog(tmp_path)
    (tmp_path / "a.gaf").write_text(GAF_22)
    with session_scope() as s:
        set_id = load_gaf(
            s, tmp_path / "a.gaf", CURATOR, ontology=snapshot, source="goa", version="v1"
        ).annotation_set_id
    return snapshot, set_id


def test_protein_search_and_detail(seeded) -> None:
    with session_scope() as s:
        rows, total = search_proteins(s, "got2")
        assert total == 2 and [r.accession for r in rows] == ["P12345", "P12345-2"]
        assert rows[0].annotations == 3
        assert search_proteins(s, "", reviewed=False)[1] == 1
        annotated, _ = search_proteins(s, "", canonical_only=True, has_annotations=True)
        assert [r.accession for r in annotated] == ["A0A024R161", "P12345", "Q9Y6K9"]
        assert search_proteins(s, "", has_annotations=False)[0][0].accession == "P12345-2"
        page, total = search_proteins(s, "testus", limit=2, offset=2)
        assert total == 4 and len(page) == 2
        counts = catalog_counts(s)
        assert (counts.proteins, counts.reviewed, counts.canonical, counts.sequences, counts.annotated) == (
            4,
            3,
            3,
            3,
            3,
        )
        detail = protein_detail(s, "P12345-2")
        assert (detail.canonical_accession, detail.isoforms) == ("P12345", ["P12345", "P12345-2"])
        assert detail.shares_sequence_with == ["Q9Y6K9"]
        with pytest.raises(NotFound, match="no protein 'NOPE'"):
            protein_detail(s, "NOPE")


def test_annotation_reads(seeded) -> None:
    snapshot, set_id = seeded
    with session_scope() as s:
        [aset] = list_annotation_sets(s)
        assert (aset.id, aset.annotation_count, aset.obo_version) == (set_id, 5, "releases/2026-01-01")
        stats = set_statistics(s, set_id)
        assert stats.groupby("aspect")["annotations"].sum().to_dict() == {"C": 1, "F": 2, "P": 2}
        assert set(stats["evidence_code"]) == {"IDA", "IEA", "EXP", "ISS"}
        anns = protein_annotations(s, "P12345")
        assert [(a.aspect_name, a.go_id, a.evidence_code) for a in anns] == [
            ("molecular_function", "GO:0000031", "IEA"),
            ("biological_process", "GO:0000011", "IDA"),
            ("biological_process", "GO:0000011", "IDA"),
        ]


def test_ontology_reads(seeded) -> None:
    snapshot, _ = seeded
    with session_scope() as s:
        [snap] = list_snapshots(s)
        assert (snap.term_count, snap.annotation_sets) == (10, 1) and "releases/2026-01-01" in snap.label
        sugar = find_terms(s, snapshot, "sugar")  # shortest names first
        assert [t.go_id for t in sugar] == ["GO:0000012", "GO:0000011", "GO:0000020"]
        assert [t.go_id for t in find_terms(s, snapshot, "GO:0000099")] == ["GO:0000031"]
        detail = term_detail(s, snapshot, "GO:0000011")
        assert [(p.go_id, p.relation_type) for p in detail.parents] == [("GO:0000010", "is_a")]
        assert [(c.go_id, c.relation_type) for c in detail.children] == [
            ("GO:0000012", "part_of"),
            ("GO:0000020", "regulates"),
        ]
        obsolete, total = obsolete_terms(s, snapshot)
        assert total == 1 and obsolete[0].replaced_by == ["GO:0000031"]


def test_check_fasta() -> None:
    assert check_fasta(b">a\nMKV\n>b\nMKW\n") == 2
    with pytest.raises(InputFileError, match="upload, line 3: duplicate entry 'a'"):
        check_fasta(b">a\nMKV\n>a\nMKW\n")
