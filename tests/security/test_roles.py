"""Roles on every command and every job: the CLI table and the operation registry declare who may run each
entry, ``main``/the worker enforce it, and the services check it again.

The walks below cover whatever is registered, so a command or an operation added later without a declaration
fails here; every mutating entry is run as a viewer and must refuse in one sentence, changing nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from services.auth.identity import Identity, Role, UnknownRole, local_identity
from services.cli import build_parser, command_table, main
from services.db import embedded, migrate
from services.db.engine import session_scope
from services.errors import PermissionDenied
from services.jobs import service
from services.jobs.operations import all_operations, operation
from services.jobs.progress import ProgressReporter
from tests.pages.conftest import APP
from tests.security.conftest import workbench
from tests.support.waiting import wait_for

VIEWER = Identity("victor", Role.VIEWER)
CURATOR = Identity("cora", Role.CURATOR)
TABLE = command_table(build_parser())


def declaration(parser: argparse.ArgumentParser) -> tuple[Role | None, bool]:
    """(min_role, mutating) as the command declares them; min_role None when it declares none."""
    role = parser.get_default("min_role")
    mutating = parser.get_default("mutating")
    return (role if isinstance(role, Role) else None), (True if mutating is None else bool(mutating))


def _placeholder(action: argparse.Action) -> str:
    """A value the argument's own type accepts (argparse checks types before the role is checked)."""
    for candidate in ("1", "00000000-0000-0000-0000-000000000001", "{}"):
        try:
            if action.type is None or action.type(candidate) is not None:
                return candidate
        except (argparse.ArgumentTypeError, TypeError, ValueError):
            continue
    return "1"


def minimal_argv(words: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    """The command with a placeholder for every required argument (values need not make sense: the role is
    checked before anything reads them)."""
    argv = list(words)
    chosen = {id(g._group_actions[0]) for g in parser._mutually_exclusive_groups if g.required}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        value = str(list(action.choices)[0]) if action.choices else _placeholder(action)
        if not action.option_strings:
            argv.append(value)
        elif action.required or id(action) in chosen:
            argv.append(action.option_strings[0])
            if action.nargs != 0:
                argv.append(value)
    return argv


def snapshot() -> dict[str, object]:
    """Row counts of every table of the schema and the schema's revision: what 'nothing changed' means."""
    with session_scope() as s:
        tables = s.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            )
        ).scalars()
        counts = {t: s.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in sorted(tables)}
    return {"revision": migrate.current_revision(), **counts}


# -- the command table ------------------------------------------------------------------------------------


def test_the_walk_finds_nested_commands_and_undeclared_ones() -> None:
    """The walk itself: nested sub-commands are found, and a command without a declaration is reported."""
    words = {w for w, _ in TABLE}
    assert {("db", "migrate"), ("db", "stop"), ("jobs", "submit"), ("settings", "set"), ("load-vcf",)} <= words
    assert {w for w, _ in RESTRICTED} >= {w for w, p in TABLE if declaration(p)[1]} | {("db", "url")}
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers().add_parser("forgot").add_subparsers()
    sub.add_parser("me").set_defaults(handler=print)
    [(found, leaf)] = command_table(parser)
    assert found == ("forgot", "me") and declaration(leaf)[0] is None


@pytest.mark.parametrize(("words", "parser"), TABLE, ids=[" ".join(w) for w, _ in TABLE])
def test_every_command_declares_its_role(words, parser) -> None:
    role, mutating = declaration(parser)
    assert role is not None, f"`workbench {' '.join(words)}` declares no min_role in set_defaults"
    if mutating:
        assert role >= Role.CURATOR, f"`workbench {' '.join(words)}` changes things but lets a viewer run it"


# Every mutating command, and every read-only one that is still not for viewers (``db url``: the owner's URL).
RESTRICTED = [(w, p) for w, p in TABLE if declaration(p)[1] or (declaration(p)[0] or Role.LEAD) > Role.VIEWER]


@pytest.mark.parametrize(("words", "parser"), RESTRICTED, ids=[" ".join(w) for w, _ in RESTRICTED])
def test_every_mutating_command_refuses_a_viewer_and_changes_nothing(
    db_url, monkeypatch, capsys, words, parser
) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "viewer")
    monkeypatch.setenv("WORKBENCH_USER", "victor")
    before = snapshot()
    argv = minimal_argv(words, parser)
    assert main(argv) == 1, argv
    err = capsys.readouterr().err
    role = declaration(parser)[0]
    assert err == f"error: victor is a viewer; only a {role.label} or above may run `workbench {' '.join(words)}`.\n"
    assert "Traceback" not in err
    assert snapshot() == before


def test_read_only_commands_still_work_for_a_viewer(db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "viewer")
    assert main(["settings", "list", "--json"]) == 0
    assert main(["jobs", "list"]) == 0
    assert '"jobs-page-size": 50' in capsys.readouterr().out


# -- the repros, through the real command on a real embedded cluster --------------------------------


def test_viewer_cannot_downgrade_or_stop_the_embedded_server(own_server) -> None:
    head = migrate.head_revision()
    down = workbench(own_server, "db", "migrate", "--downgrade", "base", role="viewer")
    assert down.returncode == 1
    assert down.stderr.strip() == "error: local is a viewer; only a lead or above may run `workbench db migrate`."
    stop = workbench(own_server, "db", "stop", role="viewer")
    assert stop.returncode == 1 and "only a lead or above may run `workbench db stop`" in stop.stderr
    assert "Traceback" not in down.stderr + stop.stderr
    assert embedded.is_running(own_server)
    assert migrate.current_revision(embedded.app_url(own_server)) == head
    curator = workbench(own_server, "db", "stop", role="curator")
    assert curator.returncode == 1 and embedded.is_running(own_server)


def test_the_services_refuse_too_whoever_calls_them(own_server) -> None:
    url = embedded.app_url(own_server)
    with pytest.raises(PermissionDenied, match="only a lead or above may downgrade the database schema"):
        migrate.migrate_as(CURATOR, downgrade_to="base", url=url)
    with pytest.raises(PermissionDenied, match="only a lead or above may stop the database server"):
        embedded.stop_server(VIEWER, own_server)
    assert embedded.is_running(own_server)
    assert migrate.current_revision(url) == migrate.head_revision()


def test_a_schema_behind_is_migrated_only_by_a_lead(db_url) -> None:
    migrate.downgrade(db_url, "-1")
    behind = migrate.current_revision(db_url)
    with pytest.raises(PermissionDenied, match="a lead must run `workbench db migrate` first"):
        migrate.ensure_current(VIEWER, db_url)
    assert migrate.current_revision(db_url) == behind
    migrate.ensure_current(Identity("lee", Role.LEAD), db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()


# -- unknown roles --------------------------------------------------------------------------------------------


def test_an_unknown_role_is_refused_in_one_sentence(db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "banana")
    with pytest.raises(UnknownRole):
        local_identity()
    for argv in (["jobs", "list"], ["settings", "set", "jobs-page-size", "10"], ["db", "url"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err == "error: unknown role 'banana' in WORKBENCH_ROLE: use viewer, curator or lead\n"


def test_an_unknown_role_stops_the_app_with_its_sentence(db_url, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "banana")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["unknown role 'banana' in WORKBENCH_ROLE: use viewer, curator or lead"]


def test_an_unknown_role_as_a_subprocess_prints_no_traceback(own_server) -> None:
    out = workbench(own_server, "jobs", "list", role="banana")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


# -- the operation registry ---------------------------------------------------------------------------------


OPERATIONS = all_operations()


def test_an_operation_must_declare_its_role() -> None:
    with pytest.raises(TypeError, match="min_role"):
        operation("test.undeclared", title="Undeclared")(lambda payload, progress, identity: {})  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="curator or above"):
        operation("test.sloppy", title="Sloppy", min_role=Role.VIEWER)(lambda payload, progress, identity: {})


@pytest.mark.parametrize("op", OPERATIONS, ids=[o.name for o in OPERATIONS])
def test_every_operation_declares_a_role_and_refuses_a_viewer_in_the_worker(op) -> None:
    assert isinstance(op.min_role, Role)
    if not op.mutating:
        return
    assert op.min_role >= Role.CURATOR
    # What the worker runs (the registry's fn), with an empty payload: the role check comes before anything.
    with pytest.raises(PermissionDenied, match=f"victor is a viewer; only a {op.min_role.label} or above may run"):
        op.fn({}, ProgressReporter(None), VIEWER)


@pytest.mark.parametrize("op", OPERATIONS, ids=[o.name for o in OPERATIONS])
def test_a_viewer_cannot_queue_any_mutating_operation(db_url, op) -> None:
    if not op.mutating:
        return
    with session_scope() as s, pytest.raises(PermissionDenied):
        service.submit(s, op.name, {}, VIEWER)
    with session_scope() as s:
        assert service.list_jobs(s)[1] == 0


def test_the_worker_refuses_a_job_queued_behind_submits_back(db_url, start_worker) -> None:
    """A job row whose submitter's role was changed (or forged) to viewer fails in the worker, untouched."""
    with session_scope() as s:
        job = service.submit(s, "db.maintenance", {}, CURATOR)
        s.execute(text("UPDATE job SET meta = jsonb_set(meta, '{role}', '\"viewer\"') WHERE id = :id"), {"id": job.id})
    start_worker()

    def finished() -> service.JobView | None:
        with session_scope() as s:
            j = service.get_job(s, job.id)
        return j if j.is_finished else None

    done = wait_for(finished, timeout=60, message="the forged job to finish")
    assert (done.status, done.error_code) == ("failed", "permission_denied")
    assert done.error_message == "cora is a viewer; only a curator or above may run database maintenance."


def test_viewer_cannot_cancel_or_comment(db_url) -> None:
    with session_scope() as s:
        job = service.submit(s, "db.maintenance", {}, CURATOR)
    with session_scope() as s, pytest.raises(PermissionDenied):
        service.cancel(s, job.id, VIEWER)
    with session_scope() as s, pytest.raises(PermissionDenied):
        service.add_comment(s, job.id, VIEWER, "hi")
    with session_scope() as s:
        assert service.get_job(s, job.id).status == "queued"
        assert service.job_comments(s, job.id) == []


def test_the_readme_role_table_matches_the_declarations() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for words, parser in TABLE:
        role = declaration(parser)[0]
        assert role is not None
        row = f"| `workbench {' '.join(words)}` | {role.label} |"
        assert row in readme, f"the README's role table lacks {row!r}"
    for op in OPERATIONS:
        if op.name.startswith("test."):  # tests/support/operations.py: registered by the test session only
            continue
        assert f"`{op.name}`" in readme, f"the README does not name the operation {op.name}"
