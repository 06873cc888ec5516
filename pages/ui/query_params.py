"""Reading the page's URL parameters: one place that turns ``?run=12`` into a value and ignores a bad one.

A hand-edited or stale link (``?run=abc``) must not crash a page: a parameter that is missing or not what the
page expects reads as ``None`` and the page falls back to its default.
"""

from __future__ import annotations

import streamlit as st


def query_int(name: str) -> int | None:
    """The URL parameter ``name`` as an integer, or ``None`` when it is absent or not a whole number."""
    raw = st.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        return None
