"""AppTest helpers: run the real app router and switch to a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(db_url, monkeypatch):
    """Factory: ``app("pages/jobs.py", role="viewer")`` → an AppTest that has run that page."""

    def open_page(page: str, role: str = "lead", query: dict[str, str] | None = None) -> AppTest:
        monkeypatch.setenv("WORKBENCH_ROLE", role)
        at = AppTest.from_file(APP, default_timeout=30)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        if page != "pages/home.py":
            at.switch_page(page)
            at.run()
        assert not at.exception, at.exception
        return at

    return open_page
