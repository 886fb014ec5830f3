"""An MCP server stand-in whose /health says its chain is reachable (a test may turn it down),
and whose calls never finish (a turn that runs until it is stopped) or fail at once.

A port that accepts connections and never answers would not do for a hanging turn: the
backend's health probes would find it down, and the chat would refuse the network before any
turn ran (mcp_proxy/availability.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# What runmcp's /health says when its RPC answers on the expected chain.
HEALTHY = {"status": "ok", "rpc_ok": True, "chain_ok": True}


@dataclass
class StandInMcp:
    url: str  # its /mcp
    healthy: bool = True  # False: /health answers 503, as a server that is going away
    calls_fail: bool = False  # calls: answered HTTP 503 at once, instead of never
    released: threading.Event = field(default_factory=threading.Event, repr=False)
    server: ThreadingHTTPServer | None = field(default=None, repr=False)

    def stop(self) -> None:
        self.released.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@contextmanager
def stand_in_mcp_server() -> Iterator[StandInMcp]:
    """The stand-in, for as long as the block runs."""
    stand_in = start_stand_in()
    try:
        yield stand_in
    finally:
        stand_in.stop()


def start_stand_in(calls_fail: bool = False) -> StandInMcp:
    stand_in = StandInMcp("", calls_fail=calls_fail)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = 200 if self.path == "/health" and stand_in.healthy else 503
            body = json.dumps(HEALTHY if status == 200 else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not stand_in.calls_fail:
                stand_in.released.wait()  # never answers while the server runs
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stand_in.server = server
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}/mcp"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stand_in
