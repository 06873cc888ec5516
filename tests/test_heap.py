"""services.heap: the startup heap is frozen once per process (in a fresh interpreter, not the test process)."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import gc, weakref
from services.heap import freeze_startup_heap
class Cycle: pass
c = Cycle(); c.me = c; garbage = weakref.ref(c); del c  # garbage: collected before the freeze, never frozen
assert gc.get_freeze_count() == 0 and garbage() is not None
first = freeze_startup_heap()
frozen = gc.get_freeze_count()
second = freeze_startup_heap()
print(first, second, frozen > 1000, gc.get_freeze_count() == frozen, garbage() is None)
"""


def test_the_startup_heap_is_frozen_once() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "True", "True", "True"]
