"""The registry of background operations: what a Job's ``operation`` name runs.

A domain registers a plain service function with ``@operation(...)``; the worker resolves a Job's operation
here. The job engine never imports a domain to find one: the composition root (``services.composition``)
imports the domains' operation modules once, at the start of the worker, the web app and the CLI commands
that handle jobs. Contract:
1. An operation function has the signature ``fn(payload, progress, identity) -> findings`` (a JSON-able dict)
   and does its work in one unit of work (all or nothing).
2. ``retry_safe`` operations may be re-run after a transient failure or a lost worker; others fail.
3. ``on_lost(job_id)`` releases records a killed job held (e.g. a load audit row left ``running``).
4. An unknown name raises ``UnknownOperation`` with one sentence; the registry is never filled lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.auth.identity import Role
from services.jobs.errors import UnknownOperation

if TYPE_CHECKING:
    import uuid

    from services.auth.identity import Identity
    from services.jobs.progress import ProgressReporter

OperationFn = Callable[[dict[str, Any], "ProgressReporter", "Identity"], dict[str, Any] | None]


@dataclass(frozen=True)
class Operation:
    name: str
    fn: OperationFn
    title: str
    queue: str = "default"
    min_role: Role = Role.CURATOR
    retry_safe: bool = False
    on_lost: Callable[[uuid.UUID], None] | None = field(default=None, compare=False)


_REGISTRY: dict[str, Operation] = {}


def operation(
    name: str,
    *,
    title: str,
    queue: str = "default",
    min_role: Role = Role.CURATOR,
    retry_safe: bool = False,
    on_lost: Callable[[uuid.UUID], None] | None = None,
) -> Callable[[OperationFn], OperationFn]:
    """Register ``fn`` as the background operation ``name``."""

    def register(fn: OperationFn) -> OperationFn:
        _REGISTRY[name] = Operation(name, fn, title, queue, min_role, retry_safe, on_lost)
        return fn

    return register


def get_operation(name: str) -> Operation:
    """The registered operation ``name``; ``UnknownOperation`` (one sentence) when this process lacks it."""
    try:
        return _REGISTRY[name]
    except KeyError:
        pass
    if not _REGISTRY:
        raise UnknownOperation(
            f"unknown operation {name!r}: no operation is registered in this process "
            "(its start-up did not call services.composition.load_operations)"
        )
    raise UnknownOperation(f"unknown operation {name!r}; known operations: {', '.join(sorted(_REGISTRY))}")


def all_operations() -> list[Operation]:
    return sorted(_REGISTRY.values(), key=lambda o: o.name)
