"""Least privilege on the embedded server: the app connects as a non-superuser that owns the schema, migrations
run as that owner, ``workbench db url`` prints its URL, and ``pg_hba.conf`` trusts the Unix socket only.

Tests elsewhere create their databases with the embedded server's superuser URL (``start_detached``'s answer);
these check what an install's app, workers and migrations get (``app_url``) on a cluster of its own.
"""

from __future__ import annotations

import psycopg
import pytest

from services.db import embedded, migrate
from tests.security.conftest import workbench


def _one(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchone()


def test_the_app_role_is_no_superuser_and_owns_the_schema(own_server) -> None:
    url = embedded.app_url(own_server)
    assert _one(url, "SELECT current_user")[0] == embedded.APP_ROLE == "workbench"
    assert _one(
        url,
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user",
    ) == (False, False, False, False, False)
    not_ours = _one(
        url,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
        "AND c.relowner <> current_user::regrole "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
    )[0]
    assert not_ours == 0
    assert _one(url, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()") == (
        "workbench",
    )


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE intruder SUPERUSER",
        "ALTER SYSTEM SET log_statement = 'none'",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "SELECT rolpassword FROM pg_authid",
        "CREATE DATABASE other",
        "SELECT pg_read_file('postgresql.conf')",
    ],
)
def test_the_app_role_cannot_do_what_only_a_superuser_may(own_server, sql: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _one(embedded.app_url(own_server), sql)


def test_migrations_run_as_the_owner_both_ways(own_server) -> None:
    """The fixture migrated base → head as the app role (trusted extensions created by it, vector by the
    bootstrap); a step down and back up works as the owner too."""
    url = embedded.app_url(own_server)
    head = migrate.head_revision()
    migrate.downgrade(url, "-1")
    assert migrate.current_revision(url) != head
    migrate.upgrade(url)
    assert migrate.current_revision(url) == head
    extensions = _one(url, "SELECT array_agg(extname::text ORDER BY extname) FROM pg_extension")[0]
    assert {"vector", "btree_gist", "pg_trgm"} <= set(extensions)


def test_db_url_prints_the_app_roles_url(own_server) -> None:
    out = workbench(own_server, "db", "url")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == embedded.app_url(own_server)
    assert out.stdout.startswith("postgresql://workbench:@/")


def test_pg_hba_trusts_the_unix_socket_only(own_server) -> None:
    lines = [
        line.split("#", 1)[0].split()
        for line in (own_server / "pg_hba.conf").read_text().splitlines()
        if line.split("#", 1)[0].strip()
    ]
    assert lines and all(fields[0] == "local" for fields in lines), lines
    admin = embedded.admin_url(own_server)
    assert _one(admin, "SELECT count(*) FROM pg_hba_file_rules WHERE type <> 'local'") == (0,)
    assert _one(admin, "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL") == (0,)
    assert _one(admin, "SHOW listen_addresses") == ("",)


def test_socket_only_hba_drops_host_lines_and_keeps_comments() -> None:
    initdb = (
        "# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
        "local   all             all                                     trust\n"
        "host    all             all             127.0.0.1/32            trust\n"
        "host    all             all             ::1/128                 trust\n"
        "local   replication     all                                     trust\n"
        "hostssl replication     all             0.0.0.0/0               trust\n"
    )
    assert embedded.socket_only_hba(initdb) == (
        "# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
        "local   all             all                                     trust\n"
        "local   replication     all                                     trust\n"
    )


def test_a_cluster_from_before_the_rule_is_handed_to_the_app_role(own_server) -> None:
    """Objects the superuser made (as every install did before this rule) change owner at the next start."""
    admin = embedded.admin_url(own_server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE TABLE legacy_rows (id serial PRIMARY KEY, v text)")
        conn.execute("CREATE TYPE legacy_state AS ENUM ('a', 'b')")
        conn.execute("CREATE FUNCTION legacy_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        conn.execute("CREATE SEQUENCE legacy_seq")
        conn.execute("CREATE VIEW legacy_view AS SELECT id FROM legacy_rows")
    try:
        (own_server / embedded.BOOTSTRAP_MARKER).unlink()
        assert embedded.ensure_running(own_server) == embedded.app_url(own_server)
        owners = _one(
            admin,
            "SELECT array_agg(DISTINCT o) FROM (SELECT pg_get_userbyid(relowner) AS o FROM pg_class "
            "WHERE relname IN ('legacy_rows', 'legacy_rows_id_seq', 'legacy_seq', 'legacy_view') UNION ALL "
            "SELECT pg_get_userbyid(typowner) FROM pg_type WHERE typname = 'legacy_state' UNION ALL "
            "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'legacy_fn') x",
        )[0]
        assert owners == ["workbench"]
        with psycopg.connect(embedded.app_url(own_server), autocommit=True) as conn:
            conn.execute("INSERT INTO legacy_rows (v) VALUES ('x')")  # the owner writes, its sequence too
        assert (own_server / embedded.BOOTSTRAP_MARKER).exists()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP VIEW IF EXISTS legacy_view")
            conn.execute("DROP TABLE IF EXISTS legacy_rows")
            conn.execute("DROP TYPE IF EXISTS legacy_state")
            conn.execute("DROP FUNCTION IF EXISTS legacy_fn()")
            conn.execute("DROP SEQUENCE IF EXISTS legacy_seq")
