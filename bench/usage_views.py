"""What counting a page view costs the page: ``record_view`` (buffered, written by the background thread)
against the baseline of writing the view inline: the hash with the salt already in hand, then one INSERT in its
own transaction.

    python bench/usage_views.py [-n 2000]          # a temporary embedded PostgreSQL, or $DATABASE_URL
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from services.db import embedded, migrate  # noqa: E402
from services.db.engine import session_scope  # noqa: E402
from services.usage.recorder import flush_views, record_view  # noqa: E402
from services.usage.salt import daily_salt, utc_day  # noqa: E402
from services.usage.visitors import client_identity, visitor_hash  # noqa: E402


def inline(n: int) -> float:
    with session_scope() as s:
        salt = daily_salt(s, utc_day())
    t0 = time.perf_counter()
    for i in range(n):
        with session_scope() as s:
            h = visitor_hash(salt, client_identity(None, f"192.0.2.{i % 250}"))
            s.execute(
                text("INSERT INTO visitor_event (day, visitor_hash, path, status) VALUES (current_date, :h, '/', 200)"),
                {"h": h},
            )
    return time.perf_counter() - t0


def buffered(n: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    for i in range(n):
        record_view(client_identity(None, f"192.0.2.{i % 250}"), "/jobs")
    recorded = time.perf_counter() - t0
    assert flush_views(timeout=120)
    return recorded, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="bench-usage-"))
        os.environ["DATABASE_URL"] = embedded.start_detached(tmp / "pg")
    try:
        migrate.upgrade(os.environ["DATABASE_URL"])
        inline(20), buffered(20)  # warm the pool and the salt
        base = inline(args.n)
        recorded, written = buffered(args.n)
        print(f"inline write (baseline): {base / args.n * 1e6:8.1f} us per view on the page's thread")
        print(f"record_view:             {recorded / args.n * 1e6:8.1f} us per view on the page's thread")
        print(f"background writer:       {args.n / written:8.0f} views/s until flushed")
        print(f"ratio: the page pays {base / recorded:.0f}x less than writing inline")
    finally:
        if tmp is not None:
            embedded.stop(tmp / "pg")
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
