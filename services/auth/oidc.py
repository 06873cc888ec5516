"""OIDC configuration, read from ``.streamlit/secrets.toml`` without importing Streamlit.

OIDC is on when the secrets file has an ``[auth]`` table with a ``client_id``; roles come from the
``[workbench.roles]`` table (email → viewer/curator/lead).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from services.config import REPO_ROOT

SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"


def _secrets(path: Path = SECRETS_PATH) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def auth_configured(path: Path = SECRETS_PATH) -> bool:
    auth = _secrets(path).get("auth", {})
    return bool(auth.get("client_id") or any(isinstance(v, dict) and v.get("client_id") for v in auth.values()))


def role_mapping(path: Path = SECRETS_PATH) -> dict[str, str]:
    return dict(_secrets(path).get("workbench", {}).get("roles", {}))
