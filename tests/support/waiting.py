"""Waiting for something another process does (a worker, a server), with a deadline."""

from __future__ import annotations

import time

import pytest


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")
