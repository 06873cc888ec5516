"""Argument types for the command line: a bad value becomes argparse's one-line usage error naming the argument.

Each function takes the raw string and returns the parsed value or raises ``argparse.ArgumentTypeError`` with
the reason (argparse adds the argument's name and exits 2, without a traceback).
"""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any


def positive_int(raw: str) -> int:
    """A whole number ≥ 1 (limits, page sizes, counts)."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{raw} must be at least 1")
    return value


def job_id(raw: str) -> uuid.UUID:
    """A job id (a UUID, as ``workbench jobs list`` prints it)."""
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a job id (a UUID such as those `jobs list` prints)") from None


def json_object(raw: str) -> dict[str, Any]:
    """A JSON object (``{"key": value, …}``)."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object ({...})")
    return value
