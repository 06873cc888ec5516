"""Database errors are translated at one boundary (services.db.errors): declared constraints → domain errors."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.db.engine import session_scope
from services.db.errors import CONSTRAINT_ERRORS, ConcurrentChange, DuplicateRecord, RuleViolation, declared_name
from services.errors import InvalidInput


def test_every_mapped_name_is_a_constraint_or_index_of_the_schema(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        names = {r[0] for r in conn.execute("SELECT conname FROM pg_constraint")}
        names |= {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert set(CONSTRAINT_ERRORS) - {declared_name(n) for n in names} == set()


def test_a_duplicate_name_becomes_one_sentence_with_the_database_error_as_cause(db_url: str) -> None:
    insert = text("INSERT INTO query_set (name, created_by) VALUES ('mine', 'ann')")
    with session_scope() as s:
        s.execute(insert)
    with (
        pytest.raises(DuplicateRecord, match="a query set named 'mine' already exists") as caught,
        session_scope() as s,
    ):
        s.execute(insert)
    assert isinstance(caught.value, InvalidInput) and isinstance(caught.value.__cause__, IntegrityError)
    assert caught.value.constraint == "uq_query_set_name"


def test_a_check_constraint_becomes_a_rule_violation(db_url: str) -> None:
    from services.jobs.models import Job, JobComment

    with session_scope() as s:
        job = Job(operation="x", created_by="ann")
        s.add(job)
    with pytest.raises(RuleViolation, match="a comment cannot be blank"), session_scope() as s:
        s.add(JobComment(job_id=job.id, author="ann", body="   "))


def test_a_concurrent_insert_of_the_same_name_is_translated(db_url: str) -> None:
    """Two units of work insert the same query set name: the second waits on the unique index, then is refused."""
    insert = text("INSERT INTO query_set (name, created_by) VALUES ('both', 'ann')")
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with session_scope() as s:
                s.execute(insert)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    with session_scope() as first:
        first.execute(insert)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second insert should wait for the first transaction"
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], DuplicateRecord), outcome


def test_errors_of_no_declared_constraint_stay_as_they_are(db_url: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), session_scope() as s:
        s.execute(text("TRUNCATE app_setting_audit"))


def test_the_error_kinds_are_distinct() -> None:
    assert not issubclass(ConcurrentChange, InvalidInput)
    assert issubclass(DuplicateRecord, InvalidInput) and issubclass(RuleViolation, InvalidInput)
