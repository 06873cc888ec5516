"""Unexpected errors at a boundary (the CLI, the app, a worker): one line for the person, the details for the log.

Contract:
1. ``describe(exc)`` is one sentence without a traceback: a lost or refused database connection says so
   ("the database is not reachable: …"), another database error says the database refused the command, and
   anything else names its type and first line.
2. ``record(exc, where)`` appends the full traceback to the log file (``config.log_file()``) and returns its
   path, or None when the log cannot be written (the sentence is still shown; nothing raises from here).
3. ``sentence(exc, where)`` is ``describe`` plus where the details went, for the boundary to print or render.
"""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path

_log = logging.getLogger(__name__)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _database_error(exc: BaseException) -> tuple[bool, bool]:
    """(is a database error, is a lost/refused connection)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        psycopg = None  # type: ignore[assignment]
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        sa_exc = None  # type: ignore[assignment]
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
        original = exc.orig
        if original is not None and original is not exc:
            inner = _database_error(original)
            if inner[0]:
                return inner
        return True, isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)) or bool(
            exc.connection_invalidated
        )
    if psycopg is not None and isinstance(exc, psycopg.Error):
        lost = isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not isinstance(
            exc, psycopg.errors.QueryCanceled
        )
        return True, lost
    return False, False


def describe(exc: BaseException) -> str:
    """One sentence for ``exc`` (module contract, point 1)."""
    is_db, lost = _database_error(exc)
    inner = getattr(exc, "orig", None) or exc
    if lost:
        return f"the database is not reachable: {_first_line(inner)}"
    if is_db:
        return f"the database refused the command: {_first_line(inner)}"
    return f"unexpected {type(exc).__name__}: {_first_line(exc)}"


def record(exc: BaseException, where: str) -> Path | None:
    """Append ``exc`` with its traceback to the log file (module contract, point 2)."""
    from services import config

    path = config.log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} {where}: {describe(exc)}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError as log_error:
        _log.debug("could not write %s: %s", path, log_error)
        return None
    return path


def sentence(exc: BaseException, where: str) -> str:
    """``describe(exc)`` and where the details were logged (module contract, point 3)."""
    path = record(exc, where)
    text = describe(exc)
    return f"{text} (details in {path})" if path else text
