"""Declarative base for every model; one metadata so Alembic and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def with_triggers(*names: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """``__table_args__`` options naming the triggers a migration creates on the table.

    SQLAlchemy does not model triggers; naming them here lets the schema test (tests/db/test_migrations.py)
    check that the migrated database has exactly the declared ones.
    """
    return {"info": {"triggers": names}}
