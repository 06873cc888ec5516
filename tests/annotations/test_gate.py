"""The health gate, the brake, dry run, the per-source lock, canonical values, already-applied releases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.annotations import staging
from services.annotations.braked import decide_braked_run
from services.annotations.history import allele_links
from services.annotations.refresh import AlreadyApplied, refresh
from services.annotations.run_locks import SourceLocked
from services.annotations.verification import verifications, verify_release
from services.auth.identity import Identity, Role
from services.db.engine import get_engine, session_scope
from services.errors import PermissionDenied
from services.jobs.errors import JobCancelled
from services.jobs.progress import ProgressReporter
from tests.support.annotation_releases import (
    COLUMNS,
    CURATOR,
    GENOME,
    LEAD,
    SOURCES,
    add_alleles,
    add_release,
    at,
    record,
    value,
)


def run(source: str, version: str, day: int, **kw):
    return refresh(CURATOR, source, version, GENOME, at=at(day), **kw)


def all_links(source: str) -> list[tuple[int, object, object]]:
    with session_scope() as s:
        rows = s.execute(
            text("SELECT allele_id, value, valid_to FROM annotation_link WHERE source = :s ORDER BY id"),
            {"s": source},
        )
        return [tuple(r) for r in rows]


def event_kinds(run_id: int) -> list[str]:
    with session_scope() as s:
        return sorted(s.scalars(text("SELECT kind FROM annotation_event WHERE run_id = :r"), {"r": run_id}))


@pytest.fixture(params=SOURCES)
def source(request):
    return request.param


@pytest.fixture
def linked(conn, source):
    """Three alleles linked by release r1 on day 1; returns their ids."""
    with conn.begin():
        ids = add_alleles(conn, 3)
        add_release(conn, source, "r1", {a: record(source, i) for i, a in enumerate(ids)})
    assert run(source, "r1", 1).status == "applied"
    return ids


def changing_release(conn, source, version, ids, **kw):
    """A release that changes the first allele's value and drops the second (both transitions)."""
    a, b, c = ids
    return add_release(conn, source, version, {a: record(source, 7), b: None, c: record(source, 2)}, **kw)


def test_degraded_run_by_source_errors_leaves_links_untouched(conn, source, linked) -> None:
    before = all_links(source)
    with conn.begin():
        changing_release(conn, source, "r2", linked, columns={**COLUMNS[source], "source_error": "text"})
        conn.execute(text(f"UPDATE anno_{source} SET source_error = 'timeout' WHERE allele_id = :a"), {"a": linked[2]})
    result = run(source, "r2", 2)
    assert (result.health, result.status, result.source_errors) == ("degraded", "held", 1)
    assert "source errors" in result.reasons[0]
    assert all_links(source) == before
    assert result.counts["held"] == 2 and result.counts["superseded"] == result.counts["retired"] == 0
    assert event_kinds(result.run_id) == ["ABSENT", "HELD", "HELD"]


def test_degraded_run_by_integrity_then_verified_release_applies(conn, source, linked) -> None:
    before = all_links(source)
    with conn.begin():
        release_id = changing_release(conn, source, "r2", linked, record_count=850)
    held = run(source, "r2", 2)
    assert held.health == "degraded" and "15.0% fewer records than r1" in held.reasons[0]
    assert held.integrity["passed"] is False and all_links(source) == before
    with pytest.raises(PermissionDenied), session_scope() as s:
        verify_release(s, CURATOR, release_id, "checked")
    with session_scope() as s:
        verify_release(s, LEAD, release_id, "ClinVar withdrew 150 records on purpose")
    applied = run(source, "r2", 3)
    assert (applied.health, applied.status, applied.counts["superseded"], applied.counts["retired"]) == (
        "healthy",
        "applied",
        1,
        1,
    )


def test_missing_contig_degrades(conn, source, linked) -> None:
    with conn.begin():
        changing_release(conn, source, "r2", linked, contigs=("chr2",))
    result = run(source, "r2", 2)
    assert result.health == "degraded" and "contigs missing since r1: chr1" in result.reasons


class CancelAfterFirstChunk(ProgressReporter):
    def __init__(self) -> None:
        super().__init__(None)

    def check_cancelled(self) -> None:
        raise JobCancelled("cancelled at the user's request")


def test_partial_run_leaves_links_untouched(conn, source, linked, monkeypatch) -> None:
    monkeypatch.setattr(staging, "ROWS_PER_CHUNK", 1)
    before = all_links(source)
    with conn.begin():
        changing_release(conn, source, "r2", linked)
    with pytest.raises(JobCancelled):
        run(source, "r2", 2, progress=CancelAfterFirstChunk())
    with session_scope() as s:
        status, health, processed, expected = s.execute(
            text("SELECT status, health, alleles_processed, alleles_expected FROM annotation_run ORDER BY id DESC")
        ).first()
    assert (status, health, expected) == ("held", "partial", 3) and processed < 3
    assert all_links(source) == before
    # The lock was released: the next run of the release applies.
    assert run(source, "r2", 3).status == "applied"


def test_brake_holds_mass_retirement_for_a_lead(conn) -> None:
    source = "clinvar"
    with conn.begin():
        ids = add_alleles(conn, 120)
        add_release(conn, source, "r1", {a: record(source, 1) for a in ids})
        add_release(conn, source, "r2", {a: record(source, 1) for a in ids[10:]})
    run(source, "r1", 1)
    braked = run(source, "r2", 2)
    assert (braked.health, braked.status, braked.exit_code) == ("healthy", "braked", 3)
    assert "would retire 10 of 120 live links" in braked.reasons[-1]
    assert event_kinds(braked.run_id) == ["ABSENT"] * 10  # the would-be retirements
    assert all(valid_to is None for _, _, valid_to in all_links(source))
    with pytest.raises(SourceLocked, match="waits for a lead"):
        run(source, "r2", 3)
    with pytest.raises(PermissionDenied):
        decide_braked_run(CURATOR, braked.run_id, confirm=True)
    confirmed = decide_braked_run(LEAD, braked.run_id, confirm=True, at=at(3))
    assert confirmed.status == "applied" and confirmed.counts["retired"] == 10
    assert event_kinds(braked.run_id) == ["ABSENT"] * 10 + ["RETIRED"] * 10
    assert sum(valid_to == at(3) for _, _, valid_to in all_links(source)) == 10


def test_rejected_brake_changes_nothing(conn) -> None:
    source = "gnomad"
    with conn.begin():
        ids = add_alleles(conn, 120)
        add_release(conn, source, "r1", {a: record(source, 1) for a in ids})
        add_release(conn, source, "r2", {a: record(source, 1) for a in ids[10:]})
    run(source, "r1", 1)
    braked = run(source, "r2", 2)
    before = all_links(source)
    rejected = decide_braked_run(LEAD, braked.run_id, confirm=False, at=at(3))
    assert rejected.status == "rejected" and all_links(source) == before
    assert event_kinds(braked.run_id) == ["ABSENT"] * 10 + ["HELD"] * 10
    assert run(source, "r2", 4).status == "braked"  # the source is free again; the same release brakes again


def test_dry_run_applies_nothing(conn, source, linked) -> None:
    before = all_links(source)
    with conn.begin():
        changing_release(conn, source, "r2", linked)
    dry = run(source, "r2", 2, dry_run=True)
    assert dry.run_id is None and dry.status == "would_apply" and dry.exit_code == 0
    assert (dry.counts["superseded"], dry.counts["retired"], dry.counts["unchanged"]) == (1, 1, 1)
    assert sorted((c.transition, c.old, c.new) for c in dry.changes) == sorted(
        [("superseded", value(source, 0), value(source, 7)), ("retired", value(source, 1), None)]
    )
    assert all_links(source) == before
    with session_scope() as s:
        assert s.scalar(text("SELECT count(*) FROM annotation_run")) == 1
        assert s.scalar(text("SELECT count(*) FROM annotation_event WHERE run_id > 1")) == 0


REFORMATTED = {
    "vep": {"transcript": "ENST00000001000.9", "hgvs_c": "ENST00000001000.9:c.100A>G", "impact": "moderate "},
    "gnomad": {"af": 0.0010, "af_grpmax": 2e-3},
    "clinvar": {"clnsig": " Pathogenic ", "clnrevstat": "criteria_provided_0"},
}


def test_reformatted_equal_value_is_unchanged(conn, source) -> None:
    with conn.begin():
        (a,) = add_alleles(conn, 1)
        first = record(source, 0)
        if source == "gnomad":  # an older release spells the grpmax field the v2/v3 way
            first = {**first, "af_popmax": first.pop("af_grpmax")}
            add_release(
                conn,
                source,
                "r1",
                {a: first},
                columns={
                    "af": "double precision",
                    "af_popmax": "double precision",
                    "ac": "bigint",
                    "an": "bigint",
                },
            )
        else:
            add_release(conn, source, "r1", {a: first})
        if source == "vep":  # consequence terms in another order
            first = {**record(source, 3), "consequence": "intron_variant&splice_region_variant"}
            add_release(conn, source, "r0", {a: {**record(source, 3)}})
        add_release(conn, source, "r2", {a: {**record(source, 0), **REFORMATTED[source]}})
    run(source, "r1", 1)
    result = run(source, "r2", 2)
    assert result.counts["unchanged"] == 1 and result.counts["superseded"] == 0
    with session_scope() as s:
        (only,) = allele_links(s, a)
    assert only.value == value(source, 0)


def test_vep_consequence_order_is_canonical(conn) -> None:
    with conn.begin():
        (a,) = add_alleles(conn, 1)
        add_release(conn, "vep", "r1", {a: record("vep", 3)})
        add_release(
            conn,
            "vep",
            "r2",
            {a: {**record("vep", 3), "consequence": "intron_variant & splice_region_variant"}},
        )
    run("vep", "r1", 1)
    assert run("vep", "r2", 2).counts["unchanged"] == 1


@pytest.mark.parametrize("source", ["vep"])
def test_vep_covers_only_the_alleles_in_its_file(conn, source, linked) -> None:
    with conn.begin():
        add_release(conn, source, "r2", {linked[0]: record(source, 9)})
    result = run(source, "r2", 2)
    assert result.expected == 1 and result.counts["superseded"] == 1 and result.counts["retired"] == 0


@pytest.mark.parametrize("source", ["clinvar"])
def test_already_applied_new_alleles_and_force(conn, source, linked) -> None:
    with pytest.raises(AlreadyApplied, match="use --force"):
        run(source, "r1", 2)
    with conn.begin():
        (new,) = add_alleles(conn, 1, start=90_000)
    again = run(source, "r1", 3)  # only the allele it has not seen; absent from r1 → a count, no event
    assert (again.expected, again.processed, again.counts["absent"]) == (1, 1, 1)
    forced = run(source, "r1", 4, force=True)
    assert forced.expected == 4 and forced.counts["unchanged"] == 3


def test_second_run_of_a_source_is_refused_and_a_dead_run_is_released(conn, linked, source) -> None:
    with conn.begin():
        changing_release(conn, source, "r2", linked)
    with get_engine().connect() as other:
        other.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": f"annotation_run:{source}"})
        with pytest.raises(SourceLocked, match=f"{source} is being refreshed"):
            run(source, "r2", 2)
        other.execute(text("SELECT pg_advisory_unlock_all()"))
        other.commit()
    # A run row left 'running' by a dead process (its lock is gone) is marked partial, then the run proceeds.
    with conn.begin():
        conn.execute(
            text(
                "INSERT INTO annotation_run (source, source_kind, release_id, source_version, genome_build, "
                "triggered_by, snapshot_at, complete_before, status) SELECT name, kind, id, version, genome_build, "
                "'ghost', now(), now(), 'running' FROM annotation_sources WHERE name = :s AND version = 'r2'"
            ),
            {"s": source},
        )
    assert run(source, "r2", 3).status == "applied"
    with session_scope() as s:
        assert s.scalar(text("SELECT health FROM annotation_run WHERE triggered_by = 'ghost'")) == "partial"


def test_unreadable_release_errors(conn) -> None:
    with conn.begin():
        (a,) = add_alleles(conn, 1)
        add_release(conn, "vepx", "r1", {a: {"gene": "X"}}, kind="vep", columns={"gene": "text"})
    result = refresh(CURATOR, "vepx", "r1", GENOME, at=at(1))
    assert (result.health, result.status, result.exit_code) == ("errored", "failed", 1)
    assert "consequence" in result.error


@pytest.mark.parametrize("source", ["gnomad"])
def test_refused_write_errors_the_run_and_changes_nothing(conn, source, linked) -> None:
    before = all_links(source)
    with conn.begin():
        changing_release(conn, source, "r2", linked)
    result = run(source, "r2", 0)  # before the live links began: the interval check refuses the supersession
    assert (result.health, result.status) == ("errored", "failed")
    assert "ck_annotation_link_valid_interval" in result.error
    assert all_links(source) == before
    assert run(source, "r2", 2).status == "applied"  # the lock was released


def test_viewer_cannot_refresh_or_decide(conn) -> None:
    from tests.support.annotation_releases import VIEWER

    with pytest.raises(PermissionDenied, match="viewer"):
        refresh(VIEWER, "clinvar", "r1", GENOME)
    with pytest.raises(PermissionDenied):
        decide_braked_run(VIEWER, 1, confirm=True)


def test_verifying_twice_stores_one_row(conn, source, linked) -> None:
    """Issue 17: two clicks stored two verification rows; the database now holds one per release."""
    with conn.begin():
        release_id = changing_release(conn, source, "r2", linked, record_count=850)
    with session_scope() as s:
        first = verify_release(s, LEAD, release_id, "checked")
    with session_scope() as s:
        again = verify_release(s, Identity("lena2", Role.LEAD), release_id, "checked again")
    assert first.new and not again.new and again.verified_by == first.verified_by
    with session_scope() as s:
        assert len(verifications(s, release_id)) == 1
    with pytest.raises(IntegrityError), conn.begin():  # the constraint itself refuses a second row
        conn.execute(
            text("INSERT INTO annotation_release_verification (release_id, verified_by) VALUES (:r, 'x')"),
            {"r": release_id},
        )


def test_a_held_run_says_nothing_applied_and_what_to_do(conn, source, linked) -> None:
    with conn.begin():
        changing_release(conn, source, "r2", linked, record_count=850)
    held = run(source, "r2", 2).as_json()
    assert held["outcome"].startswith("held — nothing applied")
    assert "verifies it" in held["next_step"] and "refresh" in held["next_step"]
