"""Asserting that the database refused a write by a named constraint, raw or translated (services.db.errors)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.db.errors import constraint_of


@contextmanager
def raises_constraint(name: str) -> Iterator[None]:
    """The block fails with a database error naming ``name``, or with the domain error it was translated to."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the constraint name is what is checked
        yield
    exc = caught.value
    names = {constraint_of(exc), constraint_of(exc.__cause__) if exc.__cause__ else None}
    assert name in names or name in str(exc), f"expected a violation of {name}, got {type(exc).__name__}: {exc}"
