"""A lab lead in Chromium: create two runs, attach an evaluation result of a different prediction set to each,
compare them, then open the shared address in a new page and get the same comparison (same CSV)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from services.db.engine import session_scope
from services.evaluation.holdout import create_evaluation_set
from services.evaluation.results import run_evaluation
from services.experiments import runs
from tests.conftest import REPO
from tests.e2e.conftest import _free_port, _healthy
from tests.evaluation.fixtures import LEAD, PREDICTIONS, seed_prediction_set, seed_releases
from tests.support.waiting import wait_for

expect.set_options(timeout=30_000)  # a cold app on a shared two-core machine


@pytest.fixture
def lead_app(db_url: str) -> Iterator[str]:
    """The app on this test's database, signed in as a lead (the shared ``live_app`` acts as a curator)."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    env = {**os.environ, "DATABASE_URL": db_url, "WORKBENCH_ROLE": "lead", "WORKBENCH_USER": "lena"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pages.ui.launcher", "run", str(REPO / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(url) or proc.poll() is not None, timeout=60, message="streamlit to start")
        assert proc.poll() is None, Path(log.name).read_text()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        Path(log.name).unlink(missing_ok=True)


def _results(tmp_path) -> tuple[int, int]:
    seeded = seed_releases(tmp_path)
    first = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    second = seed_prediction_set(seeded.new_snapshot, seeded.old_set, PREDICTIONS[::2])
    with session_scope() as s:
        set_id = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, name="holdout e2e")
        set_id = set_id.evaluation_set_id
        r1 = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=first).evaluation_result_id
        r2 = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=second).evaluation_result_id
    return r1, r2


def _pick(page: Page, label: str, option: str, *, exact: bool = True) -> None:
    """Choose ``option`` (or the option starting with it) in the select box or multiselect labelled ``label``."""
    box = page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(has_text=label).first
    choice = page.get_by_role("option", name=option, exact=exact).first
    for _ in range(5):  # the list may close again when a rerun redraws the widget: open it until it stays
        box.locator("input").first.click()
        try:
            choice.click(timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    choice.click()


def _create(page: Page, name: str) -> None:
    expander = page.get_by_text("New experiment run")
    field = page.get_by_label("Name", exact=True).first
    if not field.is_visible():
        expander.click()
    field.fill(name)
    field.press("Enter")  # commit the text before the click (a click during the rerun it starts can be lost)
    done = page.get_by_text(f"Run '{name}' created (planned).").or_(page.get_by_text("already exists"))
    for _ in range(3):
        page.get_by_role("button", name="Create run").click()
        try:
            expect(done.first).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            continue
    with session_scope() as s:
        assert runs.get_run(s, name).status == "planned"


def _csv(page: Page) -> str:
    with page.expect_download() as download:
        page.get_by_role("button", name="Download comparison (CSV)").click()
    return Path(download.value.path()).read_text()


def test_create_attach_compare_and_share(lead_app: str, browser_page: Page, tmp_path) -> None:
    r1, r2 = _results(tmp_path)
    page = browser_page
    page.goto(f"{lead_app}/experiments")
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible()
    _create(page, "e2e A")
    _create(page, "e2e B")

    for name, result in (("e2e A", r1), ("e2e B", r2)):
        page.goto(f"{lead_app}/experiments?run={name.replace(' ', '+')}")
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        page.get_by_text("Attach", exact=True).first.click()
        _pick(page, "Evaluation result", f"Result {result}: prediction set", exact=False)
        page.get_by_role("button", name="Attach", exact=True).click()
        expect(page.get_by_text(f"Evaluation result {result}: prediction set")).to_be_visible()
    with session_scope() as s:
        assert runs.evaluation_result_ids(s, "e2e A") == [r1] and runs.evaluation_result_ids(s, "e2e B") == [r2]

    page.goto(f"{lead_app}/experiments")
    _pick(page, "Compare runs", "e2e A")
    _pick(page, "Compare runs", "e2e B")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name="Difference to e2e A")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("on holdout e2e")).to_be_visible()
    wait_for(lambda: "compare=" in page.url and "baseline=" in page.url, message="the selection in the URL")
    shared = page.url
    first_csv = _csv(page)

    other = page.context.new_page()
    other.goto(shared)
    expect(other.get_by_role("heading", name="Difference to e2e A")).to_be_visible(timeout=60_000)
    expect(other.get_by_text(f"e2e A: result {r1}, e2e B: result {r2}")).to_be_visible()
    assert _csv(other) == first_csv
    assert first_csv.count("\n") == 1 + 2 * 6  # header, two runs × six cells with ground truth
