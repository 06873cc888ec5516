"""Engine and session factory.

``database_url()`` is the one place that decides which server we talk to: ``$DATABASE_URL`` when set,
else the embedded server in ``$WORKBENCH_DATA_DIR`` (started if needed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from services import config
from services.db.errors import translated


def database_url() -> str:
    """Libpq-style URL (``postgresql://…``) of the workbench database."""
    external = config.external_database_url()
    if external:
        return external
    from services.db import embedded

    return embedded.ensure_running()


def sqlalchemy_url(url: str | None = None) -> str:
    """The same URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
    url = url or database_url()
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    # prepare_threshold=None: no server-side prepared statements. psycopg prepares a statement after its 5th run,
    # and PostgreSQL then switches to a generic plan, blind to the values: a gene prefix or an impact is no longer
    # an index range, and the Variants page's 10th filter in a session went from ~0.1 s to ~1 s at 1M variants.
    return create_engine(
        sqlalchemy_url(url),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"prepare_threshold": None},
    )


def get_engine(url: str | None = None) -> Engine:
    """One pooled engine per URL and process."""
    return _engine_for(url or database_url())


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A unit of work: commits when the block succeeds, rolls back on any exception.

    A violation of a constraint the schema declares leaves it as the domain error ``services.db.errors`` maps
    it to (e.g. a duplicate name as ``DuplicateRecord``), whether it happens in the block or at commit.
    """
    session = sessionmaker(get_engine(url), expire_on_commit=False)()
    try:
        with translated():
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
