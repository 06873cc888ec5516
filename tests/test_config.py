"""The environment is read in one place (services/config.py) and every variable it reads is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from services import config

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "services" / "config.py"


def _variables_read_by_config() -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(CONFIG.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"}:
                names.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            names.add(node.slice.value)
    return {n for n in names if isinstance(n, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", n)}


def _variables_in_readme_table() -> set[str]:
    rows = [line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_variable_config_reads_is_in_the_readme_table() -> None:
    read = _variables_read_by_config()
    assert {"DATABASE_URL", "WORKBENCH_LOAD_PARSERS", "WORKBENCH_FAST_CONVERT"} <= read
    assert read - _variables_in_readme_table() == set()


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_environment(node: ast.AST) -> bool:
    """``os.getenv(…)``, ``os.environ.get(…)``, ``os.environ[…]`` read; setting a variable for a child does not."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        func = node.func
        if func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os":
            return True
        return func.attr in {"get", "copy", "items"} and _is_os_environ(func.value)
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        return _is_os_environ(node.value)
    return isinstance(node, ast.Starred | ast.Dict) and any(_is_os_environ(v) for v in ast.iter_child_nodes(node))


def test_no_other_module_reads_the_environment() -> None:
    offenders = []
    for path in [*(REPO / "services").rglob("*.py"), *(REPO / "pages").rglob("*.py"), REPO / "app.py"]:
        if path == CONFIG:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if _reads_environment(node):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == [], "read the environment through services/config.py: " + ", ".join(offenders)


def test_load_parsers_and_fast_convert_read_their_variables(monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_LOAD_PARSERS", "3")
    monkeypatch.setenv("WORKBENCH_FAST_CONVERT", "0")
    assert config.load_parsers() == 3 and config.fast_convert() is False
    monkeypatch.setenv("WORKBENCH_LOAD_PARSERS", "many")
    monkeypatch.delenv("WORKBENCH_FAST_CONVERT")
    assert config.load_parsers() == 2 and config.fast_convert() is True
    monkeypatch.setenv("WORKBENCH_LOAD_PARSERS", "0")
    assert config.load_parsers() == 1
