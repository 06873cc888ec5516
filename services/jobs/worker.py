"""Starting a worker process (``workbench worker``): recovery first, then procrastinate's loop."""

from __future__ import annotations

import logging
import os
import socket

from services import config
from services.jobs.operations import load_builtin_operations
from services.jobs.queue import get_app
from services.jobs.recovery import recover_lost_jobs


def run_worker(queues: list[str] | None = None, concurrency: int = 1, extra_modules: tuple[str, ...] = ()) -> None:
    """Run until SIGINT/SIGTERM. ``queues=None`` serves every queue."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    load_builtin_operations(extra_modules)
    recover_lost_jobs()
    app = get_app()
    app.run_worker(
        queues=queues,
        concurrency=concurrency,
        name=f"{socket.gethostname()}:{os.getpid()}",
        update_heartbeat_interval=config.worker_heartbeat_seconds(),
        stalled_worker_timeout=config.stalled_worker_seconds(),
        install_signal_handlers=True,
    )
