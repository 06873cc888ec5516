"""One place that turns domain errors into one clear sentence on the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from services.errors import PermissionDenied, WorkbenchError


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; a ``WorkbenchError`` becomes an error box instead of a traceback."""
    try:
        yield
    except PermissionDenied as exc:
        st.warning(str(exc), icon="🔒")
    except WorkbenchError as exc:
        st.error(str(exc))
