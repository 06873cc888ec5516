"""Alembic environment: runs migrations online against the URL the workbench resolves."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from services.db.engine import sqlalchemy_url
from services.models import metadata

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
