"""The app process's startup heap, kept out of Python's full garbage collections.

A full (oldest-generation) collection traverses every tracked object. In the app's process that is mostly what
importing Streamlit, pandas, SQLAlchemy and the services created — ~190,000 objects, which live as long as the
process — and it took 40–90 ms, paid by whichever page turn triggered it (about one in six Variants pages of 1,000
rows). ``freeze_startup_heap`` collects once and then moves every tracked object to the permanent generation
(``gc.freeze``), so later full collections traverse only what was created since.

Invariant: it acts once per process (later calls do nothing), after the imports and before any user's work, so
what it freezes is the startup heap; the garbage of a collection made just before is freed, not frozen.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> bool:
    """Collect, then freeze every tracked object, the first time it is called in a process; True when it did."""
    global _frozen
    if _frozen:
        return False
    gc.collect()
    gc.freeze()
    _frozen = True
    return True
