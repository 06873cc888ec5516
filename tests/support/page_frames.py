"""Finding a dataframe on an AppTest page by one of its columns."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def frame_with(at: AppTest, column: str):
    """The first dataframe on the page that has ``column`` (AppTest does not expose dataframe keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no dataframe with a {column!r} column")
