"""Page views, recorded without ever making a page wait: an in-memory buffer drained by one background thread.

Contract:
1. ``record_view`` does no I/O: it appends the view to a bounded in-memory buffer and returns. When the buffer
   is full (the database has been unreachable for a long while) the view is dropped and counted, never
   waited for.
2. One daemon thread per process drains the buffer in batches. Per (database, day) it takes the day's salt
   (cached in memory for the current day only; else ``salt.daily_salt``), hashes each client identity and
   writes the batch in one INSERT. The client identity lives only in this buffer, never in a row or a log.
3. A batch that cannot be written is dropped with one log line giving the count and the error's class —
   never the client identity nor the statement's parameters. Views of a day whose salt is already gone
   (queued just before midnight, written just after) are dropped the same way.
4. ``flush(timeout)`` waits until every view recorded so far has been written or dropped (tests, shutdown).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime

from services.db.engine import database_url, session_scope
from services.db.sql_blocks import load
from services.usage.salt import daily_salt, utc_day
from services.usage.visitors import visitor_hash

log = logging.getLogger(__name__)
_SQL = load(__file__)

VIEW_OK, VIEW_FAILED = 200, 500
BUFFER_LIMIT = 10_000
BATCH_SIZE = 500


@dataclass(frozen=True)
class PageView:
    """One page view waiting to be written (``client`` is the identity to hash; it is never stored)."""

    database_url: str
    day: date
    client: str
    path: str
    status: int


class ViewRecorder:
    """The process's buffer of page views and the thread that writes them (see the module contract)."""

    def __init__(self, limit: int = BUFFER_LIMIT):
        self._limit = limit
        self._buffer: deque[PageView] = deque()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._salts: dict[tuple[str, date], bytes] = {}
        self.dropped = 0

    def record(self, view: PageView) -> None:
        """Queue ``view`` for writing; never blocks on the database."""
        with self._cond:
            if len(self._buffer) >= self._limit:
                self.dropped += 1
                if self.dropped % 1000 == 1:
                    log.warning("usage: the view buffer is full; %d page view(s) dropped so far", self.dropped)
                return
            self._buffer.append(view)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._drain, name="usage-view-writer", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued view is written or dropped; ``False`` if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._buffer or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _drain(self) -> None:
        while True:
            with self._cond:
                while not self._buffer:
                    self._cond.wait()
                batch = [self._buffer.popleft() for _ in range(min(len(self._buffer), BATCH_SIZE))]
                self._in_flight = len(batch)
            try:
                self._write(batch)
            finally:
                with self._cond:
                    self._in_flight = 0
                    self._cond.notify_all()

    def _write(self, batch: list[PageView]) -> None:
        groups: dict[tuple[str, date], list[PageView]] = {}
        for view in batch:
            groups.setdefault((view.database_url, view.day), []).append(view)
        for (url, day), views in groups.items():
            try:
                with session_scope(url) as session:
                    salt = self._salts.get((url, day))
                    if salt is None:
                        salt = daily_salt(session, day)
                        if salt is None:
                            log.warning("usage: %d page view(s) of a finished day dropped", len(views))
                            continue
                        self._salts = {k: v for k, v in self._salts.items() if k[0] != url or k[1] > day}
                        self._salts[(url, day)] = salt
                    session.execute(
                        _SQL.insert_views,
                        {
                            "days": [v.day for v in views],
                            "hashes": [visitor_hash(salt, v.client) for v in views],
                            "paths": [v.path for v in views],
                            "statuses": [v.status for v in views],
                        },
                    )
            except Exception as exc:  # the page must never see this; log without parameters
                log.warning("usage: %d page view(s) not recorded (%s)", len(views), type(exc).__name__)


_RECORDER = ViewRecorder()
atexit.register(_RECORDER.flush, 2.0)


def record_view(client: str, path: str, status: int = VIEW_OK, at: datetime | None = None) -> None:
    """Count one view of ``path`` (URL path, no query string) by ``client``, written in the background."""
    _RECORDER.record(PageView(database_url(), utc_day(at), client, page_path(path), status))


def flush_views(timeout: float = 10.0) -> bool:
    """Wait for the background writer (tests, shutdown); ``True`` when everything queued is written."""
    return _RECORDER.flush(timeout)


def page_path(url_path: str) -> str:
    """A page's URL path as stored: leading ``/``, no query string or fragment (``""`` → ``/``)."""
    path = url_path.split("?", 1)[0].split("#", 1)[0].strip("/")
    return "/" + path
