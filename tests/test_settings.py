"""Settings: defaults, validation, roles, and the audit of every change."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import InvalidInput, PermissionDenied
from services.settings.registry import SETTINGS
from services.settings.service import get_setting, set_setting, setting_history


def test_defaults_then_audited_changes(db_url) -> None:
    curator = Identity("cara", Role.CURATOR)
    with session_scope() as s:
        assert get_setting(s, "retired-link-display") == "none"
        set_setting(s, curator, "retired-link-display", "last-known")
    with session_scope() as s:
        set_setting(s, Identity("lee", Role.LEAD), "retired-link-display", "none")
    with session_scope() as s:
        history = setting_history(s, "retired-link-display")
        assert get_setting(s, "retired-link-display") == "none"
    assert [(h.changed_by, h.old_value, h.new_value) for h in history] == [
        ("lee", "last-known", "none"),
        ("cara", "none", "last-known"),
    ]


def test_roles_and_validation(db_url) -> None:
    with session_scope() as s, pytest.raises(PermissionDenied):
        set_setting(s, Identity("v", Role.VIEWER), "retired-link-display", "none")
    with session_scope() as s, pytest.raises(PermissionDenied):
        set_setting(s, Identity("c", Role.CURATOR), "jobs-page-size", 10)
    with session_scope() as s, pytest.raises(InvalidInput, match="must be one of"):
        set_setting(s, Identity("l", Role.LEAD), "retired-link-display", "sometimes")


def test_audit_is_append_only(db_url) -> None:
    with session_scope() as s:
        set_setting(s, Identity("l", Role.LEAD), "jobs-page-size", "25")
    with pytest.raises(DBAPIError, match="append-only"), session_scope() as s:
        s.execute(text("DELETE FROM app_setting_audit"))


def test_every_setting_is_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for spec in SETTINGS:
        assert len(spec.help) > 20, spec.name
        assert f"| `{spec.name}` | `{spec.default}` |" in readme, f"{spec.name} is missing from the README table"
