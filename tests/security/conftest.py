"""The AppTest ``app`` fixture of the page tests, for the security tests that also drive a page."""

from tests.pages.conftest import app  # noqa: F401 - re-exported fixture
