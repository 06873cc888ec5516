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
5. Every operation declares who may run it (``min_role``, required) and whether it changes anything
   (``mutating``, default True; a read-only operation says ``mutating=False``). The registered ``fn`` checks
   the job's identity against ``min_role`` before it does anything, so the worker refuses a job whose
   submitter lacks the role even if the row was queued behind ``submit``'s back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.auth.identity import Role, require
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
    mutating: bool = True


_REGISTRY: dict[str, Operation] = {}


def operation(
    name: str,
    *,
    title: str,
    min_role: Role,
    mutating: bool = True,
    queue: str = "default",
    retry_safe: bool = False,
    on_lost: Callable[[uuid.UUID], None] | None = None,
) -> Callable[[OperationFn], OperationFn]:
    """Register ``fn`` as the background operation ``name`` (contract 5: ``min_role`` is required)."""
    if not isinstance(min_role, Role) or (mutating and min_role < Role.CURATOR):
        raise TypeError(f"operation {name!r}: declare min_role (a Role); a mutating one needs curator or above")

    def register(fn: OperationFn) -> OperationFn:
        @functools.wraps(fn)
        def role_checked(payload: dict[str, Any], progress: ProgressReporter, identity: Identity):
            require(identity, min_role, f"run {title[:1].lower()}{title[1:]}")
            return fn(payload, progress, identity)

        _REGISTRY[name] = Operation(name, role_checked, title, queue, min_role, retry_safe, on_lost, mutating)
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
