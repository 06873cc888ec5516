"""HTTP GET with retries for the online sources (UniProt REST, QuickGO), standard library only.

Contract:
1. ``get`` retries on connection errors, 429 and 5xx, up to ``retries`` times, waiting the server's
   ``Retry-After`` (seconds or an HTTP date, capped at ``max_wait``) when given, else exponential back-off
   from ``backoff`` seconds. Other 4xx answers fail at once.
2. A failure raises ``SourceUnavailable`` (a ``WorkbenchError``) naming the URL and the last status or error.
3. ``next_link`` reads the ``Link: <…>; rel="next"`` header UniProt uses for cursor paging.
4. Only ``http``/``https`` URLs whose host is configured (``config.outbound_hosts()``) are fetched:
   ``check_outbound_url`` refuses any other (``OutboundUrlRefused``) before a connection is made, and every
   request, every redirect and every ``next`` link goes through it, so a job payload's ``base_url`` or a
   server's answer cannot point a worker at another host (a cloud metadata address, a local file, the database).
"""

from __future__ import annotations

import email.utils
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

from services import config
from services.errors import PermissionDenied, WorkbenchError

USER_AGENT = "curation-workbench/0.1 (+https://github.com/)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class SourceUnavailable(WorkbenchError):
    code = "source_unavailable"


class SourceFormatError(WorkbenchError):
    """An online source answered, but not in the documented shape."""

    code = "source_format"


class OutboundUrlRefused(PermissionDenied):
    """A URL whose scheme or host is not allowed (contract 4)."""

    code = "outbound_url_refused"


def check_outbound_url(url: str) -> str:
    """``url`` unchanged when it is ``http(s)`` to a configured host (``host`` or ``host:port`` entry)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundUrlRefused(f"{url!r} is not a valid URL") from exc
    host = (parts.hostname or "").lower()
    allowed = config.outbound_hosts()
    if parts.scheme not in ("http", "https") or not host:
        raise OutboundUrlRefused(f"{url!r} is not an http(s) URL; only http(s) to {', '.join(allowed)} is fetched")
    default_port = 443 if parts.scheme == "https" else 80
    # A bare ``host`` entry allows the scheme's own port only; any other port must be listed as ``host:port``.
    on_default_port = port is None or port == default_port
    if not (host in allowed and on_default_port) and f"{host}:{port or default_port}" not in allowed:
        raise OutboundUrlRefused(
            f"{host}{f':{port}' if port else ''} is not an allowed host for fetching "
            f"(allowed: {', '.join(allowed) or 'none'}; set WORKBENCH_OUTBOUND_HOSTS to change)"
        )
    return url


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an allowed URL (contract 4)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        check_outbound_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_CheckedRedirects())


@dataclass
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: IO[bytes]

    def read_text(self) -> str:
        try:
            return self.body.read().decode("utf-8")
        finally:
            self.body.close()


def with_params(url: str, params: Mapping[str, object] | None) -> str:
    if not params:
        return url
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    return url + ("&" if "?" in url else "?") + query


def retry_after_seconds(value: str | None, max_wait: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), max_wait)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), max_wait))


def get(
    url: str,
    *,
    params: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Response:
    full = check_outbound_url(with_params(url, params))
    # S310: check_outbound_url admits http(s) to configured hosts only (no file: or custom schemes)
    request = urllib.request.Request(full, headers={"User-Agent": USER_AGENT, **(headers or {})})  # noqa: S310
    last = "no answer"
    for attempt in range(retries + 1):
        wait = backoff * (2**attempt)
        try:
            answer = _OPENER.open(request, timeout=timeout)  # http(s) to allowed hosts only (contract 4)
            return Response(answer.geturl(), answer.status, answer.headers, answer)
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code not in RETRY_STATUSES:
                detail = exc.read()[:300].decode("utf-8", "replace").strip()
                raise SourceUnavailable(f"{full} answered {last}: {detail or exc.reason}") from exc
            told = retry_after_seconds(exc.headers.get("Retry-After"), max_wait)
            wait = told if told is not None else wait
            exc.close()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = str(getattr(exc, "reason", exc))
        if attempt < retries:
            sleep(wait)
    raise SourceUnavailable(f"{full} failed after {retries + 1} attempts (last: {last})")


def next_link(headers: Mapping[str, str]) -> str | None:
    match = _NEXT.search(headers.get("Link", "") or "")
    return match.group(1) if match else None
