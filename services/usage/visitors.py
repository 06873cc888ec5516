"""Who a visitor is, as far as the counts are concerned: a hash that changes every UTC day.

Contract:
1. The client identity is the signed-in user's id when someone signed in (OIDC), else the client address
   Streamlit saw for the connection (``st.context.ip_address``; ``None`` — a loopback connection — is one
   client, ``loopback``). No forwarded header is read here: only the web server may replace the address with
   a proxy's ``X-Forwarded-For``, and only for the proxies of ``$WORKBENCH_TRUSTED_PROXIES`` (none by default;
   the launcher, ``pages/ui/launcher.py``, hands that list to the server).
2. ``visitor_hash = sha256(daily_salt || client identity)[:16 hex]``. The identity itself is never stored
   nor logged; the salt is deleted once its day is over (``salt.py``), so a hash cannot be traced back
   to anyone nor matched with another day's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from services.errors import WorkbenchError
from services.usage.salt import daily_salt, utc_day

HASH_HEX_CHARS = 16


class DayOver(WorkbenchError):
    """The day asked for is over: its salt is gone, so no hash of it can be made any more."""


def client_identity(user_id: str | None, address: str | None) -> str:
    """The string hashed for a visitor: the signed-in user's id, else the connection's client address."""
    if user_id:
        return f"user:{user_id}"
    return f"addr:{address or 'loopback'}"


def visitor_hash(salt: bytes, client: str) -> str:
    """First 16 hex characters of sha256(salt || client identity)."""
    return hashlib.sha256(salt + client.encode("utf-8")).hexdigest()[:HASH_HEX_CHARS]


def hash_for_day(session: Session, client: str, at: datetime | None = None) -> str:
    """The visitor hash of ``client`` on the UTC day of ``at`` (now); raises ``DayOver`` for a past day."""
    salt = daily_salt(session, utc_day(at))
    if salt is None:
        raise DayOver(f"the day {utc_day(at)} is over; its salt is gone")
    return visitor_hash(salt, client)
