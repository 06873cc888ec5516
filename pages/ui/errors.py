"""One place that turns errors into one clear sentence on the page.

``shown_errors`` wraps a page's own blocks (a domain error becomes an error box and the page goes on);
``page_boundary`` wraps the router's ``run()``, so that no traceback ever reaches the browser: a domain error
is its sentence, any other error one line from ``services.unexpected`` with the traceback in the log file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from services.errors import PermissionDenied, WorkbenchError


def render_error(exc: Exception, where: str = "page") -> None:
    """Show ``exc`` as one sentence: a lock for a refused role, an error box otherwise."""
    if isinstance(exc, PermissionDenied):
        st.warning(str(exc), icon="🔒")
    elif isinstance(exc, WorkbenchError):
        st.error(str(exc))
    else:
        from services import unexpected

        st.error(unexpected.sentence(exc, where))


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; a ``WorkbenchError`` becomes an error box instead of a traceback."""
    try:
        yield
    except WorkbenchError as exc:
        render_error(exc)


@contextmanager
def page_boundary(where: str = "page") -> Iterator[None]:
    """Run the chosen page; every error becomes one sentence (Streamlit's rerun/stop pass through: they are
    ``BaseException``s, not errors)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the app's error boundary
        render_error(exc, where)
