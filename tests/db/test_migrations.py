"""Migrations: up, down to base, up again; the declared models and the migrated schema agree."""

from __future__ import annotations

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ExcludeConstraint

from services.db import migrate
from services.db.engine import get_engine
from services.db.errors import declared_name
from services.models import metadata


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def _extensions(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    migrated = _tables(db_url)
    assert {
        "job",
        "job_event",
        "job_comment",
        "app_setting",
        "app_setting_audit",
        "procrastinate_jobs",
    } <= migrated
    assert {"vector", "btree_gist", "pg_trgm"} <= _extensions(db_url)

    migrate.downgrade(db_url, "base")
    assert _tables(db_url) == {"alembic_version"}
    migrate.upgrade(db_url)
    assert _tables(db_url) == migrated


def test_each_revision_downgrades_one_step(db_url: str) -> None:
    head = migrate.current_revision(db_url)
    migrate.downgrade(db_url, "-1")
    assert migrate.current_revision(db_url) != head
    migrate.upgrade(db_url)
    assert migrate.current_revision(db_url) == head


def test_models_match_migrations(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        # Partitions (variants_chr1 …) are declared by their parent; anno_<source> tables are made at runtime.
        partitions = set(conn.exec_driver_sql("SELECT relname FROM pg_class WHERE relispartition").scalars())

        def include(name, type_, parent):
            if type_ != "table":
                return True
            return not (name.startswith(("procrastinate", "anno_")) or name in partitions)

        ctx = MigrationContext.configure(conn, opts={"include_name": include})
        diff = [d for d in compare_metadata(ctx, metadata) if not _ignorable(d)]
    assert diff == [], "\n".join(map(str, diff))


def _ignorable(diff) -> bool:
    """Alembic cannot compare expression indexes (the trigram search index): ``_schema_objects`` compares them
    by name below."""
    kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
    index = diff[1] if isinstance(diff, tuple) else None
    return kind in ("add_index", "remove_index") and getattr(index, "name", None) in _EXPRESSION_INDEXES


_EXPRESSION_INDEXES = {
    "ix_protein_search_trgm",
    "ix_variants_gene_position",
    "ix_variants_consequence_terms",
    "ix_annotation_link_clinvar_position",
}
_KINDS = {CheckConstraint: "check", UniqueConstraint: "unique", ExcludeConstraint: "exclude"}


def _declared_objects() -> set[tuple[str, str, str]]:
    """(table, kind, name) of every check, unique and exclusion constraint, index and trigger the models declare."""
    preparer = postgresql.dialect().identifier_preparer
    declared = set()
    for table in metadata.tables.values():
        for constraint in table.constraints:
            kind = _KINDS.get(type(constraint))
            if kind:
                declared.add((table.name, kind, declared_name(preparer.format_constraint(constraint).strip('"'))))
        for index in table.indexes:
            declared.add((table.name, "index", preparer.format_constraint(index).strip('"')))
        for trigger in table.info.get("triggers", ()):
            declared.add((table.name, "trigger", trigger))
    return declared


def _migrated_objects(url: str) -> set[tuple[str, str, str]]:
    """The same, read from pg_constraint, pg_indexes and pg_trigger of the migrated database (procrastinate's
    tables, runtime anno_<source> tables and partitions left out; check names as the migrations declare them,
    ``services.db.errors.declared_name``)."""
    kinds = {"c": "check", "u": "unique", "x": "exclude"}
    with psycopg.connect(url) as conn:
        skip = {r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relispartition")}
        found = {
            (table, kinds[kind], declared_name(name))
            for table, kind, name in conn.execute(
                "SELECT conrelid::regclass::text, contype::text, conname FROM pg_constraint "
                "WHERE contype IN ('c', 'u', 'x') AND connamespace = 'public'::regnamespace"
            )
        }
        backing = {r[0] for r in conn.execute("SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x')")}
        found |= {
            (table, "index", name)
            for table, name in conn.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'")
            if name not in backing  # the index behind a primary key, unique or exclusion constraint
        }
        found |= {
            (table, "trigger", name)
            for table, name in conn.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
            )
        }
    return {f for f in found if not (f[0].startswith(("procrastinate", "anno_")) or f[0] in skip)}


def test_constraints_indexes_and_triggers_match_migrations(db_url: str) -> None:
    declared, migrated = _declared_objects(), _migrated_objects(db_url)
    assert ("annotation_link", "exclude", "ex_annotation_link_no_overlap") in declared
    assert ("annotation_run", "check", "ck_annotation_run_status") in declared
    assert ("job_event", "trigger", "job_event_append_only") in declared
    assert sorted(migrated - declared) == [], "in the migrated database, not declared in the models"
    assert sorted(declared - migrated) == [], "declared in the models, not in the migrated database"
