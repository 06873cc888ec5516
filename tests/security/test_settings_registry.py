"""Settings are validated by their one declaration in the registry: the service, the CLI and the page agree.

Each refused value is answered with one sentence (exit 1 on the CLI, no traceback) and changes nothing: the
stored value and the audit trail stay as they were.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from services.auth.identity import Identity, Role
from services.cli import main
from services.db.engine import session_scope
from services.errors import InvalidInput
from services.settings.models import AppSettingAudit
from services.settings.registry import SETTINGS, SettingSpec, spec
from services.settings.service import all_settings, get_setting, set_setting

LEAD = Identity("lee", Role.LEAD)

REFUSED = {
    "annotation-error-budget": ["-1", "2", "NaN", "nan", "1e309", "inf", "-0.0001", "1.0001", "abc", ""],
    "jobs-page-size": ["0", "1e9", "-1", "501", "1000000000", "2.5", "NaN", "ten", "1e309"],
    "retired-link-display": ["sometimes", "NONE", ""],
}
ACCEPTED = {
    "annotation-error-budget": [("0", 0.0), ("1", 1.0), ("0.05", 0.05), ("1e-4", 0.0001)],
    "jobs-page-size": [("1", 1), ("500", 500), (" 25 ", 25)],
    "retired-link-display": [("last-known", "last-known"), ("none", "none")],
}


def _audit_count() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(AppSettingAudit)) or 0


def test_every_setting_declares_its_type_and_bounds() -> None:
    for setting in SETTINGS:
        assert setting.kind in (str, int, float), setting.name
        if setting.kind in (int, float):
            assert setting.minimum is not None and setting.maximum is not None, (
                f"{setting.name} is numeric and must declare its range"
            )
        else:
            assert setting.choices, f"{setting.name} is a text and must declare its choices"
        assert setting.coerce(setting.default) == setting.default


def test_a_default_outside_its_declaration_is_a_bug_caught_at_import() -> None:
    with pytest.raises(ValueError, match="must be a number from 0 to 1"):
        SettingSpec(name="x", default=2.0, help="h", kind=float, minimum=0, maximum=1)


@pytest.mark.parametrize(("name", "raw"), [(n, v) for n, vs in REFUSED.items() for v in vs])
def test_the_cli_refuses_out_of_range_values_in_one_sentence(db_url, capsys, name: str, raw: str) -> None:
    before = _audit_count()
    with session_scope() as s:
        value_before = get_setting(s, name)
    assert main(["settings", "set", name, raw]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"error: {name} must be {spec(name).allowed()}; got {raw!r}"
    assert "Traceback" not in err and err.count("\n") == 0
    assert _audit_count() == before
    with session_scope() as s:
        assert get_setting(s, name) == value_before


@pytest.mark.parametrize(("name", "raw"), [(n, v) for n, vs in ACCEPTED.items() for v, _ in vs])
def test_the_cli_accepts_values_inside_the_declaration(db_url, name: str, raw: str) -> None:
    expected = dict(ACCEPTED[name])[raw]
    assert main(["settings", "set", name, raw]) == 0
    with session_scope() as s:
        assert get_setting(s, name) == expected


@pytest.mark.parametrize("value", [-1, 2, math.nan, float("1e309"), math.inf, True, "0.5x", None, [0.1]], ids=repr)
def test_the_service_refuses_python_values_too(db_url, value) -> None:
    """The page hands the service Python values (a number_input's float); the same declaration refuses them."""
    with session_scope() as s, pytest.raises(InvalidInput, match="annotation-error-budget must be a number"):
        set_setting(s, LEAD, "annotation-error-budget", value)
    assert _audit_count() == 0


@pytest.mark.parametrize("value", [0, 1e9, 0.5, 501, -3, False], ids=repr)
def test_jobs_page_size_refuses_zero_huge_and_fractions(db_url, value) -> None:
    with session_scope() as s, pytest.raises(InvalidInput, match="jobs-page-size must be a whole number from 1 to 500"):
        set_setting(s, LEAD, "jobs-page-size", value)
    assert _audit_count() == 0


def test_a_bad_stored_value_is_never_used(db_url) -> None:
    """A value stored before the ranges were declared (here written behind the service's back) is ignored."""
    with session_scope() as s:
        s.execute(
            text(
                "INSERT INTO app_setting (key, value, updated_by) VALUES "
                "('annotation-error-budget', '2'::jsonb, 'old'), ('jobs-page-size', '0'::jsonb, 'old')"
            )
        )
    with session_scope() as s:
        assert get_setting(s, "annotation-error-budget") == 0.001
        assert get_setting(s, "jobs-page-size") == 50
        assert all_settings(s)["annotation-error-budget"] == 0.001


def test_the_settings_page_builds_its_inputs_from_the_declaration(app) -> None:
    at = app("pages/settings.py", role="lead")
    size = at.number_input(key="setting_jobs-page-size")
    budget = at.number_input(key="setting_annotation-error-budget")
    assert (size.min, size.max) == (1, 500)
    assert (budget.min, budget.max) == (0.0, 1.0)
    size.set_value(25).run()
    at.button(key="save_jobs-page-size").click().run()
    assert not at.exception
    with session_scope() as s:
        assert get_setting(s, "jobs-page-size") == 25
    viewer = app("pages/settings.py", role="viewer")
    assert viewer.number_input(key="setting_jobs-page-size").disabled


def test_the_readme_shows_what_each_setting_allows() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for setting in SETTINGS:
        row = f"| `{setting.name}` | `{setting.default}` | {setting.allowed()} | {setting.min_role.label} |"
        assert row in readme, row
