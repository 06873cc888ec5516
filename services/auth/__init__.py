"""Identity and roles (viewer < curator < lead), checked in services."""

from services.auth.identity import Identity, Role, local_identity, require

__all__ = ["Identity", "Role", "local_identity", "require"]
