"""The job engine's shape (issue 16): no import circle inside ``services.jobs``, and no domain imported by it —
the operation registry is filled by the composition root, once."""

from __future__ import annotations

import itertools

import grimp

from services import composition
from services.jobs.operations import all_operations

FOUNDATION = ("services.jobs", "services.db", "services.config", "services.errors", "services.auth")


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("services", cache_dir=None, exclude_type_checking_imports=True)


def test_no_import_circle_inside_the_job_engine() -> None:
    graph = _graph()
    modules = sorted(m for m in graph.modules if m.startswith("services.jobs."))
    assert len(modules) >= 10
    circles = [
        (a, b)
        for a, b in itertools.combinations(modules, 2)
        if graph.chain_exists(importer=a, imported=b) and graph.chain_exists(importer=b, imported=a)
    ]
    assert circles == []


def test_the_job_engine_imports_no_domain() -> None:
    """``services.jobs.commands`` is the engine's command-line shell (it reaches the CLI); the rest is engine."""
    graph = _graph()
    engine = [m for m in graph.modules if m.startswith("services.jobs") and m != "services.jobs.commands"]
    upstream = set().union(*(graph.find_upstream_modules(m) for m in engine))
    outside = sorted(m for m in upstream if m.startswith("services.") and not m.startswith(FOUNDATION))
    assert outside == []


def test_the_composition_root_registers_every_domain_operation() -> None:
    """The test session filled the registry through ``services.composition`` (tests/conftest.py)."""
    modules = {op.fn.__module__ for op in all_operations() if not op.name.startswith("test.")}
    assert modules == set(composition.OPERATION_MODULES)
