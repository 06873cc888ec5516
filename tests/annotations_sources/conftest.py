"""Annotation source tests share the variant tests' ``rows`` fixture."""

from tests.variants.conftest import rows  # noqa: F401
