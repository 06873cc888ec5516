"""Every setting the app knows, in one tuple: name, default, type, allowed values or range, role, help.

This registry is the one declaration of each setting: ``SettingSpec.coerce`` is the only validation (the
service calls it on every write and on every read of a stored value), the CLI (``workbench settings``) takes its
names and help from it, the Settings page builds its widgets from ``kind``/``choices``/``minimum``/``maximum``,
and the README table is checked against it. Domains add their settings here (e.g. ``retired-link-display``).

Contract:
1. A value is accepted only if it converts to ``kind`` exactly (``"2.5"`` is not an int, ``True`` is not a
   number), is finite (no NaN, no infinity — ``1e309`` overflows to infinity), and lies in
   ``[minimum, maximum]`` (inclusive) or in ``choices``.
2. A refusal is one ``ValueError`` sentence naming the setting, the value and what is allowed.
"""

from __future__ import annotations

import math
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
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        # The default itself must pass the declaration (a typo here would otherwise ship silently).
        self.coerce(self.default)

    def allowed(self) -> str:
        """What this setting accepts, for messages and the README."""
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        noun = {int: "a whole number", float: "a number"}.get(self.kind, "a text")
        if self.minimum is not None and self.maximum is not None:
            return f"{noun} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"{noun} of at least {self.minimum:g}"
        return noun

    def coerce(self, raw: Any) -> Any:
        """``raw`` (a CLI string, a widget value or a stored JSON value) as a valid value of this setting."""
        refusal = ValueError(f"{self.name} must be {self.allowed()}; got {raw!r}")
        value = self._convert(raw, refusal)
        if self.kind in (int, float):
            if not math.isfinite(value):
                raise refusal
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise refusal
        if self.choices is not None and value not in self.choices:
            raise refusal
        return value

    def _convert(self, raw: Any, refusal: ValueError) -> Any:
        if isinstance(raw, bool):
            raise refusal
        if self.kind is int:
            if isinstance(raw, int):
                return raw
            if isinstance(raw, float):
                if not raw.is_integer():
                    raise refusal
                return int(raw)
            try:
                return int(str(raw).strip())
            except ValueError:
                raise refusal from None
        if self.kind is float:
            if isinstance(raw, (int, float)):
                return float(raw)
            try:
                return float(str(raw).strip())
            except ValueError:
                raise refusal from None
        if not isinstance(raw, str):
            raise refusal
        return raw


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
        minimum=0.0,
        maximum=1.0,
        help="Fraction of a run's alleles the source may report errors for before the run counts as degraded "
        "and may change no annotation link (0.001 = 0.1 %).",
    ),
    SettingSpec(
        name="jobs-page-size",
        default=50,
        kind=int,
        minimum=1,
        maximum=500,
        help="Rows per page on the Jobs page.",
    ),
    SettingSpec(
        name="usage-retention-days",
        default=400,
        kind=int,
        minimum=1,
        maximum=3650,
        help="Days of page-view counts kept; the maintenance job deletes older ones (feedback is kept).",
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}


def spec(name: str) -> SettingSpec:
    try:
        return BY_NAME[name]
    except KeyError as exc:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(BY_NAME)}") from exc
