"""The database itself refuses what would break the lifecycle's invariants."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.annotations.refresh import refresh
from tests.support.annotation_releases import CURATOR, add_alleles, add_release, at, record

INSERT_LINK = (
    "INSERT INTO annotation_link (allele_id, source, value, source_version, run_id, valid_from, valid_to, chrom, pos) "
    "SELECT :a, 'clinvar', '{}'::jsonb, 'x', :run, :f, :t, chrom, pos FROM alleles WHERE id = :a"
)


@pytest.fixture
def linked(conn):
    with conn.begin():
        (a,) = add_alleles(conn, 1)
        add_release(conn, "clinvar", "r1", {a: record("clinvar", 1)})
    result = refresh(CURATOR, "clinvar", "r1", at=at(10))
    return a, result.run_id


def test_second_live_link_is_refused(conn, linked) -> None:
    a, run = linked
    with pytest.raises(IntegrityError, match="uq_annotation_link_live"), conn.begin():
        conn.execute(text(INSERT_LINK), {"a": a, "run": run, "f": at(20), "t": None})


def test_overlapping_interval_is_refused(conn, linked) -> None:
    a, run = linked
    with pytest.raises(IntegrityError, match="ex_annotation_link_no_overlap"), conn.begin():
        conn.execute(text(INSERT_LINK), {"a": a, "run": run, "f": at(5), "t": at(11)})
    with conn.begin():  # an adjacent, closed interval before it is fine: [5, 10) meets [10, …)
        conn.execute(text(INSERT_LINK), {"a": a, "run": run, "f": at(5), "t": at(10)})


def test_empty_interval_is_refused(conn, linked) -> None:
    a, run = linked
    with pytest.raises(IntegrityError, match="ck_annotation_link_valid_interval"), conn.begin():
        conn.execute(text(INSERT_LINK), {"a": a, "run": run, "f": at(3), "t": at(3)})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE annotation_event SET kind = 'HELD'",
        "DELETE FROM annotation_event",
        "TRUNCATE annotation_event",
    ],
)
def test_events_are_append_only(conn, linked, statement) -> None:
    with pytest.raises(DBAPIError, match="append-only"), conn.begin():
        conn.execute(text(statement))
