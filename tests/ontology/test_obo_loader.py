"""OBO loading: terms, aspects, relationships, obsolete terms, idempotent reloads, malformed files."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import delete, func, select

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import InputFileError, NotFound, PermissionDenied
from services.ontology.closure import (
    ALL_RELATIONS,
    ancestor_graph,
    ancestor_map,
    ancestors,
    descendants,
)
from services.ontology.loader import load_obo
from services.ontology.models import GOTerm, GOTermRelationship, OntologySnapshot
from tests.support.ontology_fixtures import MINI_GO, MINI_GO_FULL

CURATOR = Identity("cora", Role.CURATOR)


def _load(tmp_path, content: str | bytes, name: str = "mini.obo"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with session_scope() as s:
        return load_obo(s, path, CURATOR)


def test_load_mini_go(db_url, tmp_path) -> None:
    result = _load(tmp_path, MINI_GO)
    assert result.as_dict() == {
        "snapshot_id": result.snapshot_id,
        "obo_version": "releases/2026-01-01",
        "terms": 10,
        "relationships": 7,
        "obsolete": 1,
        "already_loaded": False,
        "relationships_backfilled": 0,
    }
    with session_scope() as s:
        terms = {t.go_id: t for t in s.scalars(select(GOTerm))}
        assert {g: t.aspect for g, t in terms.items() if g in ("GO:0000011", "GO:0000031", "GO:0000041")} == {
            "GO:0000011": "P",
            "GO:0000031": "F",
            "GO:0000041": "C",
        }
        assert terms["GO:0000010"].definition == "Chemical reactions."
        assert terms["GO:0000031"].alt_ids == ["GO:0000099"]
        obsolete = terms["GO:0000050"]
        assert obsolete.is_obsolete and obsolete.replaced_by == ["GO:0000031"]
        assert obsolete.consider == ["GO:0000041"]
        kinds = sorted(s.scalars(select(GOTermRelationship.relation_type)))
        assert kinds == ["is_a"] * 5 + ["part_of", "regulates"]  # has_part is not kept
        snap = s.get(OntologySnapshot, result.snapshot_id)
        assert (snap.ontology, snap.format_version, snap.loaded_by) == ("go", "1.2", "cora")


def test_reload_is_a_noop_and_backfills_missing_relationships(db_url, tmp_path) -> None:
    first = _load(tmp_path, MINI_GO)
    with session_scope() as s:
        s.execute(delete(GOTermRelationship).where(GOTermRelationship.relation_type == "part_of"))
    again = _load(tmp_path, gzip.compress(MINI_GO.encode()), "mini.obo.gz")
    assert again.snapshot_id == first.snapshot_id
    assert (again.already_loaded, again.relationships_backfilled, again.relationships) == (True, 1, 7)
    # go.obo of the same release: same data-version, different content → a second snapshot.
    full = _load(tmp_path, MINI_GO_FULL, "go.obo")
    assert full.snapshot_id != first.snapshot_id and full.relationships == 8
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(OntologySnapshot)) == 2
        versions = set(s.scalars(select(OntologySnapshot.obo_version)))
        assert versions == {"releases/2026-01-01"}


def test_closures(db_url, tmp_path) -> None:
    snap = _load(tmp_path, MINI_GO).snapshot_id
    with session_scope() as s:

        def ids(terms):
            return [t.go_id for t in terms]

        assert ids(ancestors(s, snap, ["GO:0000012"])) == ["GO:0000001", "GO:0000010", "GO:0000011"]
        # Regulates is not followed unless asked for.
        assert ids(ancestors(s, snap, ["GO:0000020"])) == ["GO:0000001"]
        assert ids(ancestors(s, snap, ["GO:0000020"], relations=ALL_RELATIONS)) == [
            "GO:0000001",
            "GO:0000010",
            "GO:0000011",
        ]
        # A set of terms, alt ids resolved, the terms themselves included on request.
        assert ids(ancestors(s, snap, ["GO:0000099", "GO:0000041"], include_self=True)) == [
            "GO:0000030",
            "GO:0000031",
            "GO:0000040",
            "GO:0000041",
        ]
        assert ids(descendants(s, snap, ["GO:0000010"])) == ["GO:0000011", "GO:0000012"]
        assert ids(descendants(s, snap, ["GO:0000011"], relations=ALL_RELATIONS)) == ["GO:0000012", "GO:0000020"]
        assert ancestor_map(s, snap, ["GO:0000011", "GO:0000031"]) == {
            "GO:0000011": {"GO:0000011", "GO:0000010", "GO:0000001"},
            "GO:0000031": {"GO:0000031", "GO:0000030"},
        }
        terms, edges = ancestor_graph(s, snap, ["GO:0000012"])
        assert len(terms) == 4
        assert [(e.child, e.parent, e.relation_type) for e in edges] == [
            ("GO:0000010", "GO:0000001", "is_a"),
            ("GO:0000011", "GO:0000010", "is_a"),
            ("GO:0000012", "GO:0000011", "part_of"),
        ]
        with pytest.raises(NotFound, match="GO:1234567"):
            ancestors(s, snap, ["GO:1234567"])


BROKEN_STANZA = MINI_GO.replace("is_a: GO:0000010 ! metabolic process", "is_a GO:0000010")
DANGLING = MINI_GO.replace("is_a: GO:0000030\n", "is_a: GO:0009999\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BROKEN_STANZA, r"mini.obo, line 2\d: malformed OBO"),
        (DANGLING, "dangling parent: GO:0000031 has is_a GO:0009999"),
        ("format-version: 1.2\n", "no \\[Term\\] stanzas"),
        ("hello\x00world", "malformed OBO"),
    ],
)
def test_malformed_obo_stores_nothing(db_url, tmp_path, content, message) -> None:
    with pytest.raises(InputFileError, match=message):
        _load(tmp_path, content)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(OntologySnapshot)) == 0
        assert s.scalar(select(func.count()).select_from(GOTerm)) == 0


def test_viewer_cannot_load(db_url, tmp_path) -> None:
    path = tmp_path / "mini.obo"
    path.write_text(MINI_GO)
    with pytest.raises(PermissionDenied), session_scope() as s:
        load_obo(s, path, Identity("v", Role.VIEWER))


def test_definition_without_xref_list_is_tolerated_and_hash_is_of_the_file(db_url, tmp_path) -> None:
    import hashlib

    content = MINI_GO.replace('def: "Chemical reactions." [GOC:test]', 'def: "Chemical reactions."')
    result = _load(tmp_path, content)
    with session_scope() as s:
        term = s.scalars(select(GOTerm).where(GOTerm.go_id == "GO:0000010")).one()
        assert term.definition == "Chemical reactions."
        snap = s.get(OntologySnapshot, result.snapshot_id)
        assert snap.content_hash == hashlib.sha256(content.encode()).hexdigest()
