"""Roles, OIDC role mapping, and the loopback-only rule without auth."""

from __future__ import annotations

import pytest

from services.auth.identity import Identity, Role, local_identity, require, role_for_email
from services.auth.oidc import auth_configured, role_mapping
from services.errors import InvalidInput, PermissionDenied
from services.serve import check_bind_address


def test_role_order_and_require() -> None:
    assert Role.VIEWER < Role.CURATOR < Role.LEAD
    require(Identity("l", Role.LEAD), Role.CURATOR)
    with pytest.raises(PermissionDenied, match="v is a viewer; only a curator or above may load files"):
        require(Identity("v", Role.VIEWER), Role.CURATOR, "load files")


def test_local_identity_defaults_to_lead(monkeypatch) -> None:
    monkeypatch.delenv("WORKBENCH_ROLE", raising=False)
    monkeypatch.setenv("WORKBENCH_USER", "solo")
    assert local_identity() == Identity("solo", Role.LEAD)
    monkeypatch.setenv("WORKBENCH_ROLE", "viewer")
    assert local_identity().role is Role.VIEWER


def test_oidc_roles_come_from_the_mapping_and_unmapped_users_are_viewers(tmp_path) -> None:
    secrets = tmp_path / "secrets.toml"
    assert not auth_configured(secrets)
    secrets.write_text(
        '[auth]\nclient_id = "wb"\nclient_secret = "x"\n\n[workbench.roles]\n"Alice@Example.org" = "lead"\n'
    )
    assert auth_configured(secrets)
    mapping = role_mapping(secrets)
    assert role_for_email("alice@example.org", mapping) is Role.LEAD
    assert role_for_email("mallory@example.org", mapping) is Role.VIEWER
    assert role_for_email(None, mapping) is Role.VIEWER


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1"])
def test_loopback_is_always_allowed(address: str) -> None:
    check_bind_address(address, auth=False)


def test_non_loopback_without_auth_is_refused() -> None:
    with pytest.raises(InvalidInput, match="without authentication"):
        check_bind_address("0.0.0.0", auth=False)
    check_bind_address("0.0.0.0", auth=True)
