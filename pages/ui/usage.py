"""Usage components: the feedback form in every page's sidebar, and the page-view counter around the router.

Session-state keys owned here: ``usage_counted_page`` (the page whose visit was last counted) and the
``feedback_*`` widget keys.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from pages.ui.identity import current_identity
from services.auth.oidc import auth_configured
from services.db.engine import session_scope
from services.errors import WorkbenchError
from services.usage.feedback import give_feedback
from services.usage.models import COMMENT_MAX_CHARS
from services.usage.recorder import VIEW_FAILED, VIEW_OK, page_path, record_view
from services.usage.visitors import client_identity

log = logging.getLogger(__name__)
_COUNTED = "usage_counted_page"
_NOTICE = "feedback_notice"


def request_address() -> str | None:
    """The client address Streamlit saw for this connection (``None`` for a loopback one or no connection)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def current_client() -> str:
    """This browser session's client identity: the signed-in user's id, else the connection's address."""
    user_id = current_identity().user if auth_configured() else None  # with OIDC, sign_in made sure
    return client_identity(user_id, request_address())


@contextmanager
def counted_view(page: StreamlitPage) -> Iterator[None]:
    """Around ``page.run()``: count a visit to ``page`` once, when its first run ends.

    A rerun of the page being visited is not a new view; coming back to it from another page is. The status is
    200, or 500 when that run raised (the exception goes on to the app's error handling). A run cut short by a
    rerun request is not counted; the run that follows is.
    """
    path = page_path(page.url_path)
    new_visit = st.session_state.get(_COUNTED) != path
    status = VIEW_OK
    try:
        yield
    except StopException:
        raise
    except Exception:
        status = VIEW_FAILED
        raise
    except BaseException:  # a rerun request: the next run counts the visit
        new_visit = False
        raise
    finally:
        if new_visit:
            st.session_state[_COUNTED] = path
            try:
                record_view(current_client(), path, status)
            except Exception as exc:  # counting must never break the page
                log.warning("usage: a page view was not counted (%s)", type(exc).__name__)


def feedback_sidebar() -> None:
    """A thumbs up or down with an optional comment, in the sidebar of every page."""
    with st.sidebar.expander("Feedback", icon=":material/thumb_up:"):
        st.feedback("thumbs", key="feedback_thumbs")
        st.text_area("Comment (optional)", max_chars=COMMENT_MAX_CHARS, key="feedback_comment", height=80)
        st.button(
            "Send feedback",
            key="feedback_send",
            on_click=_send,
            disabled=st.session_state.get("feedback_thumbs") is None,
        )
        st.caption("Anonymous: stored without your name or address.")
        notice = st.session_state.pop(_NOTICE, None)
        if notice:
            (st.success if notice[0] else st.warning)(notice[1])


def _send() -> None:
    thumbs = st.session_state.get("feedback_thumbs")
    if thumbs is None:
        return
    try:
        with session_scope() as session:
            give_feedback(session, current_client(), thumbs_up=thumbs == 1, comment=st.session_state.feedback_comment)
    except WorkbenchError as exc:
        st.session_state[_NOTICE] = (False, str(exc))
        return
    st.session_state[_NOTICE] = (True, "Thank you for your feedback.")
    st.session_state["feedback_thumbs"] = None
    st.session_state["feedback_comment"] = ""
