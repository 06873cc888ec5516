"""Pages hold no rules: choices come from the services, URL numbers are parsed in one place."""

from __future__ import annotations

import re
from pathlib import Path

from services.annotations.read_path import DISPLAY_CHOICES, DISPLAY_EXPLANATIONS, DISPLAY_SETTING
from services.settings.registry import spec

PAGES = Path(__file__).resolve().parents[2] / "pages"


def test_the_display_choices_are_the_registrys_and_each_is_explained() -> None:
    assert DISPLAY_CHOICES == spec(DISPLAY_SETTING).choices
    assert set(DISPLAY_EXPLANATIONS) == set(DISPLAY_CHOICES)


def test_no_page_converts_a_url_parameter_by_hand() -> None:
    by_hand = re.compile(r"\b(int|float)\(\s*st\.query_params")
    offenders = [str(p.relative_to(PAGES)) for p in PAGES.rglob("*.py") if by_hand.search(p.read_text())]
    assert offenders == [], "parse URL parameters with pages.ui.query_params"


def test_no_page_lists_metrics_or_aspects_itself() -> None:
    metrics = r"""\[\s*["']cosine["']\s*,\s*["']l2["']\s*\]"""
    aspects = r"""\[\s*["']F["']\s*,\s*["']P["']\s*,\s*["']C["']\s*\]"""
    literal = re.compile(f"{metrics}|{aspects}")
    offenders = [str(p.relative_to(PAGES)) for p in PAGES.rglob("*.py") if literal.search(p.read_text())]
    assert offenders == []
