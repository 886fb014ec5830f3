"""Local stand-ins for what lives outside this machine (Etherscan) or misbehaves (a hung RPC)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Responder = Callable[[dict[str, str]], tuple[int, dict[str, Any]]]


@contextmanager
def fake_http_server(respond: Responder) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A JSON-over-GET server on a free port; yields its URL and the queries it received."""
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
            received.append(query)
            status, body = respond(query)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v2/api", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_tcp_server() -> Iterator[int]:
    """Accepts connections and never answers: an RPC that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()
