"""DDL shared by migrations: one definition of how a table is made append-only.

Contract: ``append_only_statements(table)`` returns the triggers that make the database itself refuse UPDATE,
DELETE and TRUNCATE on ``table`` by calling ``workbench_reject_change()`` (created in migration 0001).
``table`` must be a constant of a migration, never user input.
"""

from __future__ import annotations

import re

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def append_only_statements(table: str) -> list[str]:
    if not _TABLE_NAME.match(table):
        raise ValueError(f"not a plain table name: {table!r}")
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION workbench_reject_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION workbench_reject_change()",
    ]
