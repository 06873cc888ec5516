"""Per-step wall and CPU time of a long service call (``rerank`` reports them; bench/reranker.py prints them).

Contract: ``StepClock.step(name)`` is a context manager adding the wall time (``time.perf_counter``) and this
process's CPU time (``time.process_time``, all threads) spent inside it to ``name``; a name used twice adds up.
CPU time spent by the database server is not this process's and is not counted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StepClock:
    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def as_dict(self) -> dict[str, dict[str, float]]:
        """``{step: {"wall": s, "cpu": s}}`` in the order the steps first ran, rounded to milliseconds."""
        return {n: {"wall": round(self.wall[n], 3), "cpu": round(self.cpu[n], 3)} for n in self.wall}
