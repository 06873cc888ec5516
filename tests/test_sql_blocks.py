"""SQL lives in named blocks (``queries.sql`` per package, read with ``services.db.sql_blocks``), not in Python.

A statement handed to the database as a string written in Python — ``text("SELECT …")``, ``conn.execute("…")``,
``cur.copy("COPY …")``, ``psycopg.sql.SQL("…")`` — fails here, literal or built (f-string, ``+``, ``%``,
``.format``, ``.join``, ``.replace``). Ruff's S608 catches only the built ones. Allowed: a block read from a
``.sql`` file, SQLAlchemy Core, and the schema's own declarations in ``models.py`` (index predicates and
expressions that mirror the migrations).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parent.parent / "services"
# Packages whose SQL has not moved into named blocks yet (none left; kept for a package being converted).
NOT_YET: tuple[str, ...] = ()
_SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY|VACUUM|ANALYZE|LOCK|GRANT|REVOKE|DO|SET)"
    r"\b",
    re.IGNORECASE,
)
_SINKS = {"text", "execute", "executemany", "exec_driver_sql", "copy", "SQL", "read_sql_query", "read_sql"}


def _modules() -> list[Path]:
    return sorted(
        p for p in SERVICES.rglob("*.py") if p.relative_to(SERVICES).parts[0] not in NOT_YET and p.name != "models.py"
    )


def _written_in_python(node: ast.expr, strings: dict[str, ast.expr]) -> bool:
    """A string made in Python: a literal that reads as SQL, one built at run time, or a name bound to either."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_SQL.match(node.value))
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Name):
        return node.id in strings
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # "...".format(...), ", ".join(...), SQL_CONSTANT.replace(...); Q.sql("block").format(...) reads a block
        base = node.func.value
        literal = isinstance(base, ast.Constant) or (isinstance(base, ast.Name) and base.id in strings)
        return node.func.attr in ("format", "join", "replace") and literal
    return False


def _violations(source: str, where: str) -> list[str]:
    tree = ast.parse(source, filename=where)
    strings: dict[str, ast.expr] = {}  # names bound (anywhere in the module) to strings made in Python
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if _SQL.match(value.value):
                    strings[node.targets[0].id] = value
            elif _written_in_python(value, strings):
                strings[node.targets[0].id] = value
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in _SINKS and _written_in_python(node.args[0], strings):
            found.append(f"{where}:{node.lineno}: {name}(…) is given SQL written in Python")
    return found


def test_services_keep_their_sql_in_named_blocks() -> None:
    found = [v for p in _modules() for v in _violations(p.read_text(), str(p.relative_to(SERVICES.parent)))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'session.execute(text("SELECT 1 FROM job"))',
        'conn.execute(f"ALTER SYSTEM SET {name} = 1")',
        'sql = "DELETE FROM job WHERE id = :id"\nsession.execute(text(sql))',
        'cur.copy(psql.SQL("COPY ({}) TO STDOUT").format(q))',
        'session.execute(text("UPDATE job SET " + assignments))',
        'BLOCK = """\nDO $$ BEGIN NULL; END $$\n"""\nconn.execute(BLOCK.replace("{role}", role))',
    ],
)
def test_the_check_finds_sql_written_in_python(source: str) -> None:
    assert _violations(source, "probe.py"), source


@pytest.mark.parametrize(
    "source",
    [
        "session.execute(Q.find_jobs, {'id': 1})",
        'cur.execute(Q.sql("sequence_vectors"), {"cfg": 1})',
        'conn.execute(Q.formatted("analyze_table", table=quote_identifier(name)))',
        'cur.copy(psql.SQL(Q.sql("copy_csv_out")).format(query=query))',
        "session.execute(select(Job).where(Job.id == 1))",
        'print("select a protein")',
    ],
)
def test_the_check_lets_named_blocks_and_core_through(source: str) -> None:
    assert _violations(source, "probe.py") == []
