"""Run Alembic migrations programmatically (CLI, app start-up, tests).

``upgrade``/``downgrade`` are the raw steps (tests and benchmarks build scratch databases with them); what a
person asks for goes through ``migrate_as`` and ``ensure_current``, which check the role first: only a lead
migrates (up or down), and anyone else finding the schema behind is told to ask one.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from services.auth.identity import Identity, Role, require
from services.config import REPO_ROOT
from services.db.engine import database_url
from services.errors import PermissionDenied


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(REPO_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.attributes["database_url"] = url or database_url()
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from services.db.engine import get_engine

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()


def migrate_as(identity: Identity, *, revision: str = "head", downgrade_to: str | None = None, url: str | None = None):
    """``workbench db migrate``: a lead moves the schema to ``revision`` (or down to ``downgrade_to``)."""
    if downgrade_to is not None:
        require(identity, Role.LEAD, f"downgrade the database schema (to {downgrade_to})")
        downgrade(url, downgrade_to)
    else:
        require(identity, Role.LEAD, "migrate the database schema")
        upgrade(url, revision)


def ensure_current(identity: Identity, url: str | None = None) -> None:
    """``serve``/``db start``: a schema at head is left alone; one behind is migrated when ``identity`` is a
    lead and refused (one sentence, nothing changed) otherwise."""
    current = current_revision(url)
    if current == head_revision():
        return
    if not identity.can(Role.LEAD):
        raise PermissionDenied(
            f"the database schema is at {current or 'base'}, not the latest ({head_revision()}); "
            f"{identity.user} is a {identity.role.label}, so a lead must run `workbench db migrate` first."
        )
    upgrade(url)
