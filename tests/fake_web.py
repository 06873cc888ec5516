"""A local HTTP server standing in for the online sources (the only thing tests fake: the outside network).

``FakeWeb.route(path, *answers)`` queues answers for a path; each request to it takes the next one (the last
repeats). An answer is ``(status, headers, body)``. Requests are recorded with their query and headers.
``FakeWeb.host`` is its ``host:port``: tests allow it the way an operator allows a host, through
``WORKBENCH_OUTBOUND_HOSTS`` (the ``web`` fixtures set it), so the outbound allow-list stays on in every test.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeWeb:
    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[dict] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                web.requests.append({"path": parts.path, "query": parse_qs(parts.query), "headers": dict(self.headers)})
                answers = web.routes.get(parts.path) or [(404, {}, b"not found")]
                status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v.replace("{base}", web.base_url))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.base_url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def route(self, path: str, *answers: tuple[int, dict[str, str], str | bytes]) -> None:
        self.routes[path] = [(s, h, b.encode() if isinstance(b, str) else b) for s, h, b in answers]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
