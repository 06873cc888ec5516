"""The registry of background operations: what a Job's ``operation`` name runs.

A domain registers a plain service function with ``@operation(...)``; the worker resolves a Job's operation
here. Contract:
1. An operation function has the signature ``fn(payload, progress, identity) -> findings`` (a JSON-able dict)
   and does its work in one unit of work (all or nothing).
2. ``retry_safe`` operations may be re-run after a transient failure or a lost worker; others fail.
3. ``on_lost(job_id)`` releases records a killed job held (e.g. a load audit row left ``running``).
4. Every operation declares who may run it (``min_role``, required) and whether it changes anything
   (``mutating``, default True; a read-only operation says ``mutating=False``). The registered ``fn`` checks
   the job's identity against ``min_role`` before it does anything, so the worker refuses a job whose
   submitter lacks the role even if the row was queued behind ``submit``'s back.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.auth.identity import Role, require

if TYPE_CHECKING:
    import uuid

    from services.auth.identity import Identity
    from services.jobs.progress import ProgressReporter

OperationFn = Callable[[dict[str, Any], "ProgressReporter", "Identity"], dict[str, Any] | None]

# Modules whose import registers the built-in operations (domains add theirs here).
BUILTIN_OPERATION_MODULES: tuple[str, ...] = (
    "services.db.maintenance",
    "services.proteins.operations",
    "services.ontology.operations",
    "services.go_annotations.operations",
    "services.embeddings.operations",
    "services.predictions.operations",
    "services.evaluation.operations",
    "services.variants.operations",
    "services.annotations.runs",
)


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
    """Register ``fn`` as the background operation ``name`` (contract 4: ``min_role`` is required)."""
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


def load_builtin_operations(extra_modules: tuple[str, ...] = ()) -> None:
    for module in BUILTIN_OPERATION_MODULES + tuple(extra_modules):
        importlib.import_module(module)


def get_operation(name: str) -> Operation:
    load_builtin_operations()
    try:
        return _REGISTRY[name]
    except KeyError as exc:
        raise KeyError(f"unknown operation {name!r}") from exc


def all_operations() -> list[Operation]:
    load_builtin_operations()
    return sorted(_REGISTRY.values(), key=lambda o: o.name)
