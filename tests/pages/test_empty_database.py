"""Every page on an empty database, as a lead and as a viewer: no traceback, and the set-up pages say what to
do first (issue 17: a new user met empty displays and dead ends)."""

from __future__ import annotations

import pytest

PAGES = [
    "pages/home.py",
    "pages/jobs.py",
    "pages/settings.py",
    "pages/proteins.py",
    "pages/protein.py",
    "pages/ontology.py",
    "pages/annotation_sets.py",
    "pages/query_sets.py",
    "pages/predictions.py",
    "pages/annotation_runs.py",
    "pages/allele.py",
    "pages/variants.py",
]


@pytest.mark.parametrize("role", ["lead", "viewer"])
def test_every_page_renders_on_an_empty_database(app, role, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path / "imports"))
    for page in PAGES:
        at = app(page, role=role)  # the fixture asserts there is no exception
        assert at.title, page
    home = app("pages/home.py", role=role)
    assert any("the database is empty" in md.value for md in home.markdown)
    runs = app("pages/annotation_runs.py", role="curator")
    assert any("No annotation releases loaded yet" in i.value for i in runs.info)
