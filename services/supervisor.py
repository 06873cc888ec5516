"""Keeping worker processes alive: ``workbench serve`` restarts a worker that died, with back-off.

Contract:
1. ``count`` copies of ``command`` run while the supervisor runs. One that exits — killed, crashed, or given up
   after a long database outage — is started again after a back-off: ``first_backoff`` seconds, doubling with
   each quick death up to ``max_backoff``; a worker that stayed up ``steady_after`` seconds starts again from
   ``first_backoff``. Each restart is logged with the exit status and the wait.
2. ``stop`` sends SIGTERM to every worker (they finish their running jobs), waits up to ``timeout`` seconds,
   then kills what is left; no worker is started after ``stop``.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_log = logging.getLogger(__name__)


@dataclass
class _Slot:
    process: subprocess.Popen | None = None
    started: float = 0.0
    backoff: float = 0.0
    restart_at: float | None = None
    starts: list[float] = field(default_factory=list)


class WorkerSupervisor:
    def __init__(
        self,
        command: Sequence[str],
        count: int,
        *,
        cwd: str | Path | None = None,
        env: dict[str, str] | None = None,
        first_backoff: float = 1.0,
        max_backoff: float = 60.0,
        steady_after: float = 60.0,
        poll_seconds: float = 0.2,
    ):
        self.command, self.cwd, self.env = list(command), cwd, env
        self.first_backoff, self.max_backoff, self.steady_after = first_backoff, max_backoff, steady_after
        self.poll_seconds = poll_seconds
        self.slots = [_Slot(backoff=first_backoff) for _ in range(count)]
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def start(self) -> WorkerSupervisor:
        with self._lock:
            for slot in self.slots:
                self._spawn(slot)
        self._thread.start()
        return self

    def pids(self) -> list[int | None]:
        with self._lock:
            return [s.process.pid if s.process and s.process.poll() is None else None for s in self.slots]

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            live = [s.process for s in self.slots if s.process is not None and s.process.poll() is None]
        for p in live:
            p.terminate()
        deadline = time.monotonic() + timeout
        for p in live:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    # -- the watch loop ---------------------------------------------------------------------------------------
    def _spawn(self, slot: _Slot) -> None:
        slot.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env)
        slot.started = time.monotonic()
        slot.starts.append(slot.started)
        slot.restart_at = None

    def _watch(self) -> None:
        while not self._stopping.wait(self.poll_seconds):
            with self._lock:
                for index, slot in enumerate(self.slots):
                    self._check(index, slot)

    def _check(self, index: int, slot: _Slot) -> None:
        now = time.monotonic()
        if slot.restart_at is not None:
            if now >= slot.restart_at:
                self._spawn(slot)
                self.restarts += 1
            return
        if slot.process is None or (status := slot.process.poll()) is None:
            return
        if now - slot.started >= self.steady_after:
            slot.backoff = self.first_backoff
        wait, slot.backoff = slot.backoff, min(slot.backoff * 2, self.max_backoff)
        slot.restart_at = now + wait
        _log.warning(
            "worker %d (pid %d) exited with status %s after %.0f s; starting it again in %.0f s",
            index + 1,
            slot.process.pid,
            status,
            now - slot.started,
            wait,
        )
