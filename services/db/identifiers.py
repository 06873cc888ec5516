"""The one way a dynamic identifier (a table or column name) enters SQL: checked, then quoted.

Values always travel as bind parameters; only names that cannot be parameters (a staging table, a runtime
``anno_<source>`` table, a column list) are spliced, and only through ``quote_identifier``. SQL text with such
slots lives in named blocks (``sql_blocks``) as ``{placeholder}`` filled with quoted names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.errors import InvalidInput

_PLAIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quote_identifier(name: str) -> str:
    """``"name"`` after checking it is a plain lower-case PostgreSQL identifier (at most 63 characters)."""
    if not isinstance(name, str) or not _PLAIN.match(name):
        raise InvalidInput(f"{name!r} is not a valid identifier")
    return f'"{name}"'


def quote_list(names: Iterable[str]) -> str:
    """A comma-separated list of quoted identifiers (a column list)."""
    return ", ".join(quote_identifier(n) for n in names)


_SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


def quote_setting_value(value: str) -> str:
    """``'value'`` for a server setting (``ALTER SYSTEM`` takes no bind parameters), after checking it is a plain
    word or size such as ``512MB``, ``15min`` or ``off`` — no quote, space or backslash can get through."""
    if not isinstance(value, str) or not _SETTING_VALUE.match(value):
        raise InvalidInput(f"{value!r} is not a plain setting value")
    return f"'{value}'"
