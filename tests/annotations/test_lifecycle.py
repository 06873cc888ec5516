"""The seed's acceptance criteria, for VEP, gnomAD and ClinVar alike (one lifecycle for every source)."""

from __future__ import annotations

import pytest

from services.annotations.history import allele_events, allele_links, fold_events
from services.annotations.read_path import current_annotation
from services.annotations.refresh import refresh
from services.db.engine import session_scope
from tests.support.annotation_releases import CURATOR, GENOME, SOURCES, add_alleles, add_release, at, record, value


def run(source: str, version: str, day: int, **kw):
    return refresh(CURATOR, source, version, GENOME, at=at(day), **kw)


def links(allele: int, source: str):
    with session_scope() as s:
        return [link for link in allele_links(s, allele) if link.source == source]


def events(allele: int, source: str):
    with session_scope() as s:
        return allele_events(s, allele, source)


def kinds(allele: int, source: str) -> list[str]:
    return [e.kind for e in events(allele, source)]


def absent(source: str):
    """How a release says "no value for this allele": VEP lists it with no consequence, others omit it."""
    return None


@pytest.fixture(params=SOURCES)
def source(request):
    return request.param


@pytest.fixture
def alleles(conn):
    with conn.begin():
        return add_alleles(conn, 3)


def release(conn, source, version, records):
    with conn.begin():
        return add_release(conn, source, version, records)


def test_healthy_run_supersedes_with_no_gap_and_a_change_event(conn, source, alleles) -> None:
    a, b, c = alleles
    release(conn, source, "r1", {a: record(source, 1), b: record(source, 2), c: record(source, 3)})
    first = run(source, "r1", 1)
    assert (first.health, first.status, first.counts["linked"]) == ("healthy", "applied", 3)
    release(conn, source, "r2", {a: record(source, 4), b: record(source, 2), c: record(source, 3)})
    second = run(source, "r2", 2)
    assert second.status == "applied"
    assert second.counts | {} == {
        "linked": 0,
        "unchanged": 2,
        "superseded": 1,
        "absent": 0,
        "retired": 0,
        "relinked": 0,
        "held": 0,
    }
    old, new = links(a, source)
    assert old.value == value(source, 1) and new.value == value(source, 4)
    assert old.valid_to == new.valid_from == at(2)  # one instant: no gap, no overlap
    assert new.valid_to is None and new.source_version == "r2"
    superseded = events(a, source)[-1]
    assert superseded.kind == "SUPERSEDED"
    assert (superseded.value, superseded.previous_value, superseded.at) == (
        value(source, 4),
        value(source, 1),
        at(2),
    )
    assert kinds(b, source) == ["LINKED"]  # unchanged is a count, not an event


def test_healthy_run_retires_on_absence(conn, source, alleles) -> None:
    a, b, c = alleles
    release(conn, source, "r1", {a: record(source, 1), b: record(source, 2), c: record(source, 3)})
    run(source, "r1", 1)
    release(conn, source, "r2", {a: absent(source), b: record(source, 2), c: record(source, 3)})
    result = run(source, "r2", 2)
    assert result.status == "applied" and result.counts["retired"] == 1 and result.counts["absent"] == 1
    (only,) = links(a, source)
    assert only.valid_to == at(2)
    assert kinds(a, source) == ["LINKED", "ABSENT", "RETIRED"]
    with session_scope() as s:
        assert current_annotation(s, [a], display="none")[a][source].value is None


def test_relink_after_retirement_restores_current_state(conn, source, alleles) -> None:
    a, b, c = alleles
    release(conn, source, "r1", {a: record(source, 1), b: record(source, 2)})
    run(source, "r1", 1)
    release(conn, source, "r2", {a: absent(source), b: record(source, 2)})
    run(source, "r2", 2)
    release(conn, source, "r3", {a: record(source, 5), b: record(source, 2)})
    result = run(source, "r3", 3)
    assert result.counts["relinked"] == 1
    assert kinds(a, source) == ["LINKED", "ABSENT", "RETIRED", "RELINKED"]
    relinked = events(a, source)[-1]
    assert relinked.previous_value == value(source, 1) and relinked.value == value(source, 5)
    with session_scope() as s:
        now = current_annotation(s, [a], display="none")[a][source]
    assert (now.value, now.retired, now.source_version) == (value(source, 5), False, "r3")


def test_read_path_shows_each_display_option_consistently(conn, source, alleles) -> None:
    a, b, _ = alleles
    release(conn, source, "r1", {a: record(source, 1), b: record(source, 2)})
    run(source, "r1", 1)
    release(conn, source, "r2", {a: absent(source), b: record(source, 2)})
    run(source, "r2", 2)
    with session_scope() as s:
        hidden = current_annotation(s, [a, b], display="none")
        shown = current_annotation(s, [a, b], display="last-known")
    assert hidden[a][source].as_json() is None
    assert hidden[a][source].note == f"retired in {source} r2 on 2026-01-03"
    assert shown[a][source].as_json() == {
        "value": value(source, 1),
        "source_version": "r1",
        "retired": True,
        "retired_at": at(2),
    }
    assert shown[a][source].note.startswith(f"last known: {source} r1")
    for display in (hidden, shown):  # a live link shows the same under both options
        assert display[b][source].as_json()["value"] == value(source, 2)
        assert display[b][source].retired is False


def test_whole_sequence_is_reconstructed_from_events(conn, source, alleles) -> None:
    a = alleles[0]
    release(conn, source, "r1", {a: record(source, 1)})
    release(conn, source, "r2", {a: record(source, 2)})
    release(conn, source, "r3", {a: absent(source)})
    release(conn, source, "r4", {a: record(source, 3)})
    for day, version in enumerate(("r1", "r2", "r3", "r4"), start=1):
        run(source, version, day)
    assert kinds(a, source) == ["LINKED", "SUPERSEDED", "ABSENT", "RETIRED", "RELINKED"]
    folded = fold_events(events(a, source))
    assert folded == links(a, source)
    assert [(x.value, x.valid_from, x.valid_to) for x in folded] == [
        (value(source, 1), at(1), at(2)),
        (value(source, 2), at(2), at(3)),
        (value(source, 3), at(4), None),
    ]
