"""A worker process (``workbench worker``): recovery first, then procrastinate's loop; outages survived.

Contract:
1. Before it takes any job, a worker recovers the work of dead processes (``recovery.sweep``): a job whose
   worker was SIGKILLed is failed or re-queued at once, not after its heartbeat goes stale.
2. A stop signal (SIGINT, SIGTERM) stops the worker gracefully (running jobs finish) and it exits 0.
3. When the database goes away, the worker retries with back-off (1 s doubling to 10 s) for up to
   ``config.worker_reconnect_seconds()``; once the database answers again it recovers (1) and serves on.
   Past that it exits with status 1 (``workbench serve`` then restarts it with its own back-off).
4. The operation registry is filled before (the composition root runs in ``services.cli``); modules named
   with ``--import-module`` are plug-ins imported here.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import socket
import time
from typing import Any

import procrastinate.exceptions
import psycopg
import sqlalchemy.exc

from services import config
from services.jobs.recovery import sweep
from services.jobs.tasks import worker_app

_log = logging.getLogger("services.jobs.worker")

# What a database that went away looks like, from each of the libraries the worker talks through.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    procrastinate.exceptions.ConnectorException,
    psycopg.OperationalError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    OSError,
)
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 1.0, 10.0


def run_worker(queues: list[str] | None = None, concurrency: int = 1, extra_modules: tuple[str, ...] = ()) -> int:
    """Run until SIGINT/SIGTERM (exit code 0) or a database outage longer than the reconnect window (1)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for module in extra_modules:
        importlib.import_module(module)
    options: dict[str, Any] = {
        "queues": queues,
        "concurrency": concurrency,
        "name": f"{socket.gethostname()}:{os.getpid()}",
        "update_heartbeat_interval": config.worker_heartbeat_seconds(),
        "stalled_worker_timeout": config.stalled_worker_seconds(),
        "install_signal_handlers": False,  # ours (below) tell a requested stop from a lost database
    }
    return asyncio.run(_serve(options))


async def _serve(options: dict[str, Any]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    window = config.worker_reconnect_seconds()
    down_since: float | None = None
    delay = FIRST_RETRY_SECONDS
    while not stop.is_set():
        try:
            await asyncio.to_thread(sweep)
            if down_since is not None:
                _log.warning("the database is back after %.0f s; serving again", time.monotonic() - down_since)
            down_since, delay = None, FIRST_RETRY_SECONDS
            if await _run_once(worker_app(), options, stop):
                return 0
            _log.warning("the worker loop ended without a stop request (database connection lost?)")
        except OUTAGE_ERRORS as exc:
            _log.warning("database unreachable: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        down_since = down_since if down_since is not None else time.monotonic()
        if time.monotonic() - down_since >= window:
            _log.error("the database stayed unreachable for %.0f s; the worker gives up", window)
            return 1
        _log.info("reconnecting in %.0f s", delay)
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            pass
        delay = min(delay * 2, MAX_RETRY_SECONDS)
    return 0


async def _run_once(app: procrastinate.App, options: dict[str, Any], stop: asyncio.Event) -> bool:
    """Serve until stopped (True) or until procrastinate's loop ends by itself (False, or its error)."""
    async with app.open_async():
        work = asyncio.create_task(app.run_worker_async(**options), name="procrastinate worker")
        stopper = asyncio.create_task(stop.wait(), name="stop request")
        done, _ = await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            stopper.cancel()
            work.result()  # raises the loop's error, if any
            return False
        work.cancel()  # procrastinate stops gracefully: running jobs finish first
        try:
            await work
        except asyncio.CancelledError:
            pass
        return True
