"""Database access: the URL, the engine and sessions, the embedded server, the model base."""

from services.db.engine import database_url, get_engine, session_scope

__all__ = ["database_url", "get_engine", "session_scope"]
