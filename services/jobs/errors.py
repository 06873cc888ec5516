"""Errors of the job engine.

``JobCancelled`` and ``UnknownOperation`` are domain errors (one sentence for the user); ``RetryableJobError``
is internal: the runner raises it so procrastinate re-runs a retry-safe job after a transient failure.
"""

from __future__ import annotations

from services.errors import WorkbenchError


class JobCancelled(WorkbenchError):
    """Raised at a progress check after a user asked to cancel: the operation's unit of work rolls back."""

    code = "cancelled"


class UnknownOperation(WorkbenchError):
    """A Job names an operation this process has not registered (a typo, or a worker of another version)."""

    code = "unknown_operation"


class RetryableJobError(Exception):
    """Raised by the runner when a retry-safe operation hit a transient failure: procrastinate retries it."""
