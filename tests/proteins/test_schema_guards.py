"""The database itself refuses writes that break the catalog's invariants (constraints named in models)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.db.engine import session_scope
from tests.support.constraints import raises_constraint
from tests.support.go_annotation_fixtures import seed_catalog


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        (
            "INSERT INTO sequence (sequence_hash, sequence, length) "
            "SELECT sequence_hash, sequence, length FROM sequence LIMIT 1",
            "uq_sequence_sequence_hash",
        ),
        ("INSERT INTO sequence (sequence_hash, sequence, length) VALUES ('x', 'MKV', 4)", "ck_sequence_length"),
        ("UPDATE protein SET isoform_index = 3 WHERE accession = 'P12345'", "ck_protein_isoform_shape"),
        (
            "UPDATE protein SET is_canonical = true, isoform_index = NULL WHERE accession = 'P12345-2'",
            "ck_protein_isoform_shape",
        ),
        (
            "INSERT INTO go_term_relationship (ontology_snapshot_id, child_id, parent_id, relation_type) "
            "SELECT ontology_snapshot_id, id, id + 1, 'has_part' FROM go_term LIMIT 1",
            "ck_go_term_relationship_relation_type",
        ),
        (
            "INSERT INTO go_term_relationship (ontology_snapshot_id, child_id, parent_id, relation_type) "
            "SELECT ontology_snapshot_id, id, id, 'is_a' FROM go_term LIMIT 1",
            "ck_go_term_relationship_no_self_loop",
        ),
        ("UPDATE go_term SET aspect = 'X' WHERE go_id = 'GO:0000011'", "ck_go_term_aspect"),
        (
            "INSERT INTO ontology_snapshot (content_hash, term_count, obsolete_count, relationship_count, loaded_by) "
            "VALUES ('other', 0, 0, 0, 'x'); "
            "INSERT INTO go_term_relationship (ontology_snapshot_id, child_id, parent_id, relation_type) "
            "SELECT max(s.id), min(t.id), max(t.id), 'is_a' FROM ontology_snapshot s, go_term t",
            "fk_go_term_relationship_child_go_term",
        ),
        (
            "INSERT INTO go_term (ontology_snapshot_id, go_id, is_obsolete, alt_ids, replaced_by, consider) "
            "SELECT ontology_snapshot_id, go_id, false, '{}', '{}', '{}' FROM go_term LIMIT 1",
            "uq_go_term_ontology_snapshot_id_go_id",
        ),
        ("DELETE FROM sequence", "fk_protein_sequence_id_sequence"),
    ],
)
def test_violating_writes_fail(db_url, tmp_path, statement, constraint) -> None:
    seed_catalog(tmp_path)
    with raises_constraint(constraint), session_scope() as s:
        s.execute(text(statement))


def test_annotations_need_catalog_proteins_and_a_consistent_not(db_url, tmp_path) -> None:
    from services.go_annotations.loader import load_gaf
    from tests.support.go_annotation_fixtures import CURATOR, GAF_22

    snapshot = seed_catalog(tmp_path)
    (tmp_path / "a.gaf").write_text(GAF_22)
    with session_scope() as s:
        set_id = load_gaf(
            s, tmp_path / "a.gaf", CURATOR, ontology=snapshot, source="goa", version="v"
        ).annotation_set_id
    copy = (
        "INSERT INTO protein_go_annotation SELECT annotation_set_id, line_number + 100, {acc}, go_term_id, "
        "go_id_as_given, qualifier, {neg}, evidence_code, db_reference, with_from, aspect, assigned_by, "
        "annotation_date, extension, gene_product_form_id FROM protein_go_annotation "
        "WHERE annotation_set_id = :s AND qualifier = 'NOT|located_in'"
    )
    with pytest.raises(IntegrityError, match="protein_accession"), session_scope() as s:
        s.execute(text(copy.format(acc="'Q00000'", neg="negated")), {"s": set_id})
    with pytest.raises(IntegrityError, match="ck_protein_go_annotation_negated"), session_scope() as s:
        s.execute(text(copy.format(acc="protein_accession", neg="false")), {"s": set_id})
    with pytest.raises(IntegrityError, match="fk_annotation_set_ontology_snapshot_id"), session_scope() as s:
        s.execute(text("DELETE FROM ontology_snapshot"))
