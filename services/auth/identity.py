"""Who is acting, and what they may do.

Contract:
1. Roles are ordered: viewer < curator < lead. ``require(identity, Role.CURATOR)`` passes for curators and
   leads and raises ``PermissionDenied`` for viewers; every service that writes calls it first.
2. With OIDC configured the page builds the identity from the signed-in user and ``role_for_email`` (unmapped
   users are viewers); without it, the one configured local user acts (role from ``$WORKBENCH_ROLE``, lead by
   default) and the app binds to loopback only.
3. The CLI acts as the local user.
4. An unknown role name (``WORKBENCH_ROLE=banana``, a typo in the OIDC mapping) is refused with one sentence
   (``UnknownRole``), never guessed: nobody acts with a role they were not given.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from services import config
from services.errors import InvalidInput, PermissionDenied


class UnknownRole(InvalidInput, ValueError):
    """A role name that is not viewer, curator or lead (also a ``ValueError`` for older callers)."""

    code = "unknown_role"


class Role(enum.IntEnum):
    VIEWER = 1
    CURATOR = 2
    LEAD = 3

    @classmethod
    def parse(cls, name: str, where: str = "") -> Role:
        """The role called ``name`` (any case); ``UnknownRole`` names ``where`` it came from otherwise."""
        try:
            return cls[str(name).strip().upper()]
        except KeyError as exc:
            origin = f" in {where}" if where else ""
            raise UnknownRole(f"unknown role {name!r}{origin}: use viewer, curator or lead") from exc

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Identity:
    user: str
    role: Role

    def can(self, role: Role) -> bool:
        return self.role >= role


def require(identity: Identity, role: Role, action: str = "do this") -> None:
    """Raise ``PermissionDenied`` unless ``identity`` holds at least ``role``."""
    if not identity.can(role):
        raise PermissionDenied(
            f"{identity.user} is a {identity.role.label}; only a {role.label} or above may {action}."
        )


def local_identity() -> Identity:
    """The single local user (no OIDC): CLI, and the app in local mode."""
    return Identity(user=config.local_user(), role=Role.parse(config.local_role(), "WORKBENCH_ROLE"))


def role_for_email(email: str | None, mapping: Mapping[str, str]) -> Role:
    """Role of a signed-in user from the configured mapping (``email -> role``); unmapped users are viewers."""
    if not email:
        return Role.VIEWER
    lowered = {k.lower(): v for k, v in mapping.items()}
    role = lowered.get(email.lower())
    return Role.parse(role, f"the [workbench.roles] entry of {email}") if role else Role.VIEWER
