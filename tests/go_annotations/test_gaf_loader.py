"""GAF loading: verbatim lines, alt ids, NOT, counted skips, gzip, refusals that store nothing."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import InputFileError, InvalidInput, NotFound, PermissionDenied
from services.go_annotations.loader import load_gaf
from services.go_annotations.models import AnnotationSet, ProteinGOAnnotation
from services.ontology.models import GOTerm
from tests.support.go_annotation_fixtures import CURATOR, GAF_22, gaf_line, seed_catalog


def _load(path, snapshot, version="2026-01", **kw):
    with session_scope() as s:
        return load_gaf(s, path, CURATOR, ontology=snapshot, source="goa", version=version, **kw)


def test_load_gaf_keeps_every_distinct_line_and_counts_skips(db_url, tmp_path) -> None:
    snapshot = seed_catalog(tmp_path)
    path = tmp_path / "a.gaf"
    path.write_text(GAF_22)
    result = _load(path, snapshot)
    assert (result.lines, result.annotations, result.skipped, result.gaf_version) == (9, 5, 4, "2.2")
    assert result.skipped_reasons == {
        "unknown_evidence_code": 1,
        "unknown_protein": 1,
        "unknown_term": 1,
        "duplicate_line": 1,
    }
    assert result.skipped_examples["unknown_protein"] == ["P99999"]
    assert result.skipped_examples["unknown_term"] == ["GO:7777777"]
    assert result.skipped_examples["unknown_evidence_code"] == ["XYZ"]
    with session_scope() as s:
        rows = s.scalars(select(ProteinGOAnnotation).order_by(ProteinGOAnnotation.line_number)).all()
        assert [r.line_number for r in rows] == [3, 5, 6, 7, 8]  # line 4 repeats line 3
        by_ref = {(r.protein_accession, r.db_reference, r.evidence_code): r for r in rows}
        alt = by_ref[("P12345", "PMID:1", "IEA")]
        assert alt.go_id_as_given == "GO:0000099"
        assert s.get(GOTerm, alt.go_term_id).go_id == "GO:0000031"
        neg = by_ref[("Q9Y6K9", "PMID:1", "EXP")]
        assert (neg.qualifier, neg.negated, neg.aspect) == ("NOT|located_in", True, "C")
        assert (neg.extension, neg.gene_product_form_id) == ("part_of(GO:0000011)", "UniProtKB:P12345-2")
        assert (neg.assigned_by, neg.annotation_date) == ("UniProt", "20240101")
        assert not by_ref[("P12345", "PMID:2", "IDA")].negated
        aset = s.get(AnnotationSet, result.annotation_set_id)
        assert (aset.annotation_count, aset.skipped_count, aset.gaf_version) == (5, 4, "2.2")
        assert aset.skipped_reasons == result.skipped_reasons


def test_gzip_gaf_by_data_version_and_same_release_refused(db_url, tmp_path) -> None:
    snapshot = seed_catalog(tmp_path)
    path = tmp_path / "a.gaf.gz"
    path.write_bytes(gzip.compress(GAF_22.encode()))
    assert _load(path, "releases/2026-01-01").annotations == 5
    with pytest.raises(InvalidInput, match="already loaded"):
        _load(path, snapshot)
    with pytest.raises(NotFound, match="no ontology snapshot with id 999"):
        _load(path, 999, version="other")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GAF_22 + "UniProtKB\tP12345\tSYM\n", r"a.gaf, line 13: expected 17 tab-separated GAF columns, found 3"),
        ("!gaf-version: 1.0\n" + gaf_line("P12345", "GO:0000011"), "line 1: GAF version 1.0 is not supported"),
        (gaf_line("P12345", "GO:0000011") + "\tEXTRA\n", "line 1: expected 17 .* found 18"),
    ],
)
def test_malformed_gaf_stores_nothing(db_url, tmp_path, content, message) -> None:
    snapshot = seed_catalog(tmp_path)
    path = tmp_path / "a.gaf"
    path.write_text(content)
    with pytest.raises(InputFileError, match=message):
        _load(path, snapshot)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(AnnotationSet)) == 0
        assert s.scalar(select(func.count()).select_from(ProteinGOAnnotation)) == 0


def test_bad_arguments_and_roles(db_url, tmp_path) -> None:
    snapshot = seed_catalog(tmp_path)
    path = tmp_path / "a.gaf"
    path.write_text(GAF_22)
    with pytest.raises(InvalidInput, match="unknown annotation source 'ensembl'"), session_scope() as s:
        load_gaf(s, path, CURATOR, ontology=snapshot, source="ensembl", version="1")
    with pytest.raises(PermissionDenied), session_scope() as s:
        load_gaf(s, path, Identity("v", Role.VIEWER), ontology=snapshot, source="goa", version="1")


def test_backslashes_and_crlf_are_kept_verbatim(db_url, tmp_path) -> None:
    snapshot = seed_catalog(tmp_path)
    line = gaf_line("P12345", "GO:0000011", reference="PMID:1\\2", extension="has_input(CHEBI:1\\N)")
    (tmp_path / "b.gaf").write_bytes(("!gaf-version: 2.1\r\n" + line + "\r\n").encode())
    result = _load(tmp_path / "b.gaf", snapshot)
    assert (result.annotations, result.gaf_version) == (1, "2.1")
    with session_scope() as s:
        row = s.scalars(select(ProteinGOAnnotation)).one()
        assert (row.db_reference, row.extension) == ("PMID:1\\2", "has_input(CHEBI:1\\N)")


def test_repeats_found_without_remembering_every_line(db_url, tmp_path, monkeypatch) -> None:
    from services.go_annotations import gaf

    monkeypatch.setattr(gaf, "SEEN_LIMIT", 1)  # past the limit every line is a possible repeat
    snapshot = seed_catalog(tmp_path)
    (tmp_path / "a.gaf").write_text(GAF_22)
    result = _load(tmp_path / "a.gaf", snapshot)
    assert (result.annotations, result.skipped_reasons["duplicate_line"]) == (5, 1)
    assert result.annotations + result.skipped == result.lines


def test_non_utf8_gaf_is_refused_naming_the_line(db_url, tmp_path) -> None:
    snapshot = seed_catalog(tmp_path)
    bad = gaf_line("P12345", "GO:0000011").encode().replace(b"PMID:1", b"PMID:\xe4")
    (tmp_path / "c.gaf").write_bytes(
        b"!gaf-version: 2.2\n" + gaf_line("P12345", "GO:0000010").encode() + b"\n" + bad + b"\n"
    )
    with pytest.raises(InputFileError, match="c.gaf, line 3: not UTF-8 text"):
        _load(tmp_path / "c.gaf", snapshot)
