"""The signed-in identity for this browser session (OIDC via st.user, else the local user)."""

from __future__ import annotations

import streamlit as st

from services.auth.identity import Identity, local_identity, role_for_email
from services.auth.oidc import auth_configured, role_mapping
from services.errors import WorkbenchError

_KEY = "workbench_identity"


def sign_in() -> Identity:
    """Resolve the identity once per run; with OIDC, stop the page behind a login button until signed in.
    An identity that cannot be resolved (an unknown role) stops the page with its one sentence."""
    try:
        identity = _resolve()
    except WorkbenchError as exc:
        st.title("Curation Workbench")
        st.error(str(exc))
        st.stop()
    st.session_state[_KEY] = identity
    return identity


def _resolve() -> Identity:
    if auth_configured():
        if not st.user.is_logged_in:
            st.title("Curation Workbench")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
        email = st.user.get("email")
        identity = Identity(
            user=str(email or st.user.get("name") or "unknown"), role=role_for_email(email, role_mapping())
        )
    else:
        identity = local_identity()
    return identity


def current_identity() -> Identity:
    identity = st.session_state.get(_KEY)
    return identity if identity is not None else sign_in()
