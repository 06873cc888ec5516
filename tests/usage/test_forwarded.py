"""Forwarded headers: the web server believes ``X-Forwarded-For`` only from the configured trusted proxies.

The app runs on uvicorn (Streamlit's server), whose own default believes any loopback client's
``X-Forwarded-For``; the launcher replaces that default with ``$WORKBENCH_TRUSTED_PROXIES`` (none by default).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pages.ui.launcher import trust_only_configured_proxies


def _client_seen(peer: str, forwarded_for: str) -> str:
    """The client address the app gets for a WebSocket from ``peer`` that claims ``forwarded_for``."""
    seen: list[str] = []

    async def app(scope, receive, send):
        seen.append(scope["client"][0])

    trusted = uvicorn.Config(app).forwarded_allow_ips
    scope = {
        "type": "websocket",
        "client": (peer, 50000),
        "scheme": "ws",
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
    }
    # a fresh loop in its own thread: a test before this one (Playwright's sync API) may leave a loop running
    # in this thread, where asyncio.run refuses to start
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None)).result()
    return seen[0]


def test_uvicorns_own_default_would_believe_a_local_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert _client_seen("127.0.0.1", "198.51.100.9") == "198.51.100.9"


def test_no_forwarded_header_is_believed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_TRUSTED_PROXIES", raising=False)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    trust_only_configured_proxies()
    assert _client_seen("127.0.0.1", "198.51.100.9") == "127.0.0.1"
    assert _client_seen("192.0.2.1", "198.51.100.9") == "192.0.2.1"


def test_a_configured_proxy_may_name_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_TRUSTED_PROXIES", "192.0.2.1")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")
    trust_only_configured_proxies()
    assert _client_seen("192.0.2.1", "198.51.100.9") == "198.51.100.9"
    assert _client_seen("127.0.0.1", "198.51.100.9") == "127.0.0.1"
