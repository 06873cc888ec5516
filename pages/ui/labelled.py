"""Labelled field tables for the pages: a payload, a job's findings or any nested dict as (field, value) rows,
so no page shows an unlabeled ``{...}`` block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from services.annotations.value_display import value_summary


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            return f"{len(value):,} entries"
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return value_summary(dict(value))
    return str(value)


def field_rows(data: Mapping[str, Any], prefix: str = "", depth: int = 0) -> list[dict[str, str]]:
    """One row per leaf; nested dicts (two levels) are labelled ``outer › inner``."""
    rows: list[dict[str, str]] = []
    for key, value in data.items():
        label = f"{prefix}{str(key).replace('_', ' ')}"
        if isinstance(value, Mapping) and value and depth < 2:
            rows.extend(field_rows(value, f"{label} › ", depth + 1))
        else:
            rows.append({"field": label, "value": _text(value)})
    return rows


def fields_frame(data: Mapping[str, Any] | None) -> pd.DataFrame:
    return pd.DataFrame(field_rows(data or {}), columns=["field", "value"])
