"""HTTP GET with retries for the online sources (UniProt REST, QuickGO), standard library only.

Contract:
1. ``get`` retries on connection errors, 429 and 5xx, up to ``retries`` times, waiting the server's
   ``Retry-After`` (seconds or an HTTP date, capped at ``max_wait``) when given, else exponential back-off
   from ``backoff`` seconds. Other 4xx answers fail at once.
2. A failure raises ``SourceUnavailable`` (a ``WorkbenchError``) naming the URL and the last status or error.
3. ``next_link`` reads the ``Link: <…>; rel="next"`` header UniProt uses for cursor paging.
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

from services.errors import WorkbenchError

USER_AGENT = "curation-workbench/0.1 (+https://github.com/)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class SourceUnavailable(WorkbenchError):
    code = "source_unavailable"


class SourceFormatError(WorkbenchError):
    """An online source answered, but not in the documented shape."""

    code = "source_format"


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
    full = with_params(url, params)
    request = urllib.request.Request(full, headers={"User-Agent": USER_AGENT, **(headers or {})})
    last = "no answer"
    for attempt in range(retries + 1):
        wait = backoff * (2**attempt)
        try:
            answer = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) URLs only
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
