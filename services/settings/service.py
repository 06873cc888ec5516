"""Read and change settings; every change is audited in the same transaction.

Values are validated by their one declaration in ``services.settings.registry`` on write (refused with one
sentence) and on read (a stored value that no longer passes — e.g. written before its range was declared — is
not used: the default is, and a warning is logged), so no caller ever sees an out-of-range value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.auth.identity import Identity, require
from services.errors import InvalidInput
from services.settings.models import AppSetting, AppSettingAudit
from services.settings.registry import SETTINGS, SettingSpec, spec

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettingChange:
    key: str
    old_value: Any
    new_value: Any
    changed_by: str
    changed_at: datetime


def get_setting(session: Session, name: str) -> Any:
    """The stored value of ``name``, or its registered default."""
    setting = spec(name)
    row = session.get(AppSetting, setting.name)
    return setting.default if row is None else _valid_stored(setting, row.value)


def all_settings(session: Session) -> dict[str, Any]:
    stored = {r.key: r.value for r in session.scalars(select(AppSetting))}
    return {s.name: _valid_stored(s, stored[s.name]) if s.name in stored else s.default for s in SETTINGS}


def _valid_stored(setting: SettingSpec, value: Any) -> Any:
    try:
        return setting.coerce(value)
    except ValueError as exc:
        _log.warning("ignoring the stored value of %s (%s); using the default %r", setting.name, exc, setting.default)
        return setting.default


def set_setting(session: Session, identity: Identity, name: str, raw_value: Any) -> SettingChange:
    """Change a setting (role per the registry, then its declared type and range) and record who, when, old
    and new. A refused value changes nothing."""
    try:
        setting = spec(name)
    except KeyError as exc:
        raise InvalidInput(str(exc).strip('"')) from exc
    require(identity, setting.min_role, f"change {name}")
    try:
        value = setting.coerce(raw_value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    row = session.get(AppSetting, name, with_for_update=True)
    old = setting.default if row is None else row.value
    if row is None:
        session.add(AppSetting(key=name, value=value, updated_by=identity.user))
    else:
        row.value, row.updated_by = value, identity.user
    audit = AppSettingAudit(key=name, old_value=old, new_value=value, changed_by=identity.user)
    session.add(audit)
    session.flush()
    session.refresh(audit)
    return SettingChange(name, old, value, identity.user, audit.changed_at)


def setting_history(session: Session, name: str) -> list[SettingChange]:
    rows = session.scalars(
        select(AppSettingAudit).where(AppSettingAudit.key == name).order_by(AppSettingAudit.id.desc())
    )
    return [SettingChange(r.key, r.old_value, r.new_value, r.changed_by, r.changed_at) for r in rows]
