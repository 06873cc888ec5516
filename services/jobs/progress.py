"""Progress reporting for running jobs.

Contract:
1. ``advance``/``set`` update ``job.progress_current``/``progress_total`` at most every ``min_interval``
   seconds (and always at the end), and append a ``progress`` JobEvent at most every ``event_interval``
   seconds: a million-row load writes a handful of rows, not a million.
2. Every flush also reads whether a cancel was requested; ``check_cancelled()`` then raises ``JobCancelled``
   so the operation stops at a safe point and its unit of work rolls back.
3. Writes go through their own short transactions, so progress is visible while the job's own work is
   still uncommitted.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from services.db import sql_blocks
from services.db.engine import get_engine
from services.jobs.errors import JobCancelled

__all__ = ["JobCancelled", "ProgressReporter"]  # JobCancelled stays importable from here (domains raise it)

Q = sql_blocks.load(__file__)


class ProgressReporter:
    def __init__(
        self,
        job_id: uuid.UUID | None,
        *,
        min_interval: float = 0.5,
        event_interval: float = 5.0,
        url: str | None = None,
    ):
        self.job_id = job_id
        self.current = 0
        self.total: int | None = None
        self.min_interval = min_interval
        self.event_interval = event_interval
        self._url = url
        self._last_flush = 0.0
        self._last_event = time.monotonic()
        self._cancel_requested = False

    # -- counting ---------------------------------------------------------
    def set_total(self, total: int | None) -> None:
        self.total = total
        self._flush(force=True)

    def advance(self, n: int = 1) -> None:
        self.current += n
        self._flush()

    def set(self, current: int, total: int | None = None) -> None:
        self.current = current
        if total is not None:
            self.total = total
        self._flush()

    def event(self, kind: str, message: str, data: dict[str, Any] | None = None) -> None:
        """Append a JobEvent now (phase changes, warnings); not throttled, so call it sparingly."""
        if self.job_id is None:
            return
        with get_engine(self._url).begin() as conn:
            conn.execute(
                Q.insert_event,
                {
                    "id": self.job_id,
                    "kind": kind,
                    "msg": message,
                    "cur": self.current,
                    "tot": self.total,
                    "data": _json(data),
                },
            )

    def check_cancelled(self) -> None:
        """Raise ``JobCancelled`` if a cancel was requested (read at the last flush, or now if never)."""
        if self.job_id is None:
            return
        if self._last_flush == 0.0:
            self._flush(force=True)
        if self._cancel_requested:
            raise JobCancelled("cancelled at the user's request")

    def finish(self) -> None:
        if self.total is not None:
            self.current = min(self.current, self.total)
        self._flush(force=True)

    # -- persistence ------------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        if self.job_id is None:
            return
        now = time.monotonic()
        if not force and now - self._last_flush < self.min_interval:
            return
        self._last_flush = now
        current = self.current if self.total is None else min(self.current, self.total)
        with get_engine(self._url).begin() as conn:
            cancel = conn.execute(Q.update_progress, {"cur": current, "tot": self.total, "id": self.job_id}).scalar()
            self._cancel_requested = bool(cancel)
            if now - self._last_event >= self.event_interval:
                self._last_event = now
                conn.execute(
                    Q.insert_event,
                    {
                        "id": self.job_id,
                        "kind": "progress",
                        "msg": _progress_message(current, self.total),
                        "cur": current,
                        "tot": self.total,
                        "data": None,
                    },
                )


def _progress_message(current: int, total: int | None) -> str:
    return f"{current:,} of {total:,}" if total else f"{current:,} done"


def _json(data: dict[str, Any] | None) -> str | None:
    return None if data is None else json.dumps(data, default=str)
