"""A local HTTP server that records every request it gets: the target an SSRF test points a URL
at, so the test can prove the request never arrived (or, behind a test-only address policy,
that it did)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HEALTH_BODY = {"status": "ok", "database": {"ok": True}, "secret_marker": "backend-health-7f3a"}


@dataclass
class RecordingServer:
    host: str
    port: int
    requests: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str = "/health") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"


class _Server(ThreadingHTTPServer):
    address_family = socket.AF_INET


class _Server6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextmanager
def recording_server(
    host: str = "127.0.0.1", redirect_to: str = "", body: dict[str, Any] | None = None
) -> Iterator[RecordingServer]:
    """Answers GET with ``body`` (a backend /health look-alike by default), or with a 302 to
    ``redirect_to``; records the path and Host header of each request."""
    payload = json.dumps(body if body is not None else HEALTH_BODY).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.requests.append({"path": self.path, "host": self.headers.get("Host", "")})
            if redirect_to:
                self.send_response(302)
                self.send_header("Location", redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, 0), Handler)
    record = RecordingServer(host, int(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
