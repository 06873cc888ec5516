"""Every setting the app knows, in one tuple: name, default, allowed values, who may change it, help.

This registry drives validation, the CLI (``workbench settings``), the Settings page and the README table.
Domains add their settings here (e.g. ``retired-link-display``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.auth.identity import Role


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    min_role: Role = Role.LEAD
    kind: type = str

    def coerce(self, raw: Any) -> Any:
        value = self.kind(raw) if not isinstance(raw, self.kind) else raw
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(map(str, self.choices))
            raise ValueError(f"{self.name} must be one of {allowed}; got {raw!r}")
        return value


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        name="retired-link-display",
        default="none",
        choices=("none", "last-known"),
        min_role=Role.CURATOR,
        help="How a retired annotation link shows: 'none' (no current value, a retirement note) or "
        "'last-known' (the last value, marked retired, with its source version).",
    ),
    SettingSpec(
        name="annotation-error-budget",
        default=0.001,
        kind=float,
        help="Fraction of a run's alleles the source may report errors for before the run counts as degraded "
        "and may change no annotation link (0.001 = 0.1 %).",
    ),
    SettingSpec(
        name="jobs-page-size",
        default=50,
        kind=int,
        help="Rows per page on the Jobs page.",
    ),
    SettingSpec(
        name="usage-retention-days",
        default=400,
        kind=int,
        help="Days of page-view counts kept; the maintenance job deletes older ones (feedback is kept).",
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}


def spec(name: str) -> SettingSpec:
    try:
        return BY_NAME[name]
    except KeyError as exc:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(BY_NAME)}") from exc
