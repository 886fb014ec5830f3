"""A lean HTTP/1.1 keep-alive client for load generation.

The bench clients share the 2 cores with the server they measure; httpx spends ~1.5 ms of
CPU per request (measured in bench_proxy.py), which is CPU the server under test does not
get. This client writes the request bytes and reads a Content-Length answer, nothing else
(no redirects, no chunked bodies), at a small fraction of that cost.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class RawHttpError(Exception):
    """The answer was not one this client reads (closed connection, no Content-Length)."""


class KeepAliveConnection:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        fixed = {"host": f"{self.host}:{self.port}", **headers}
        self._head = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST ``body`` as JSON; (status, response body)."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(
            f"POST {path} HTTP/1.1\r\n{self._head}content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            raise RawHttpError("the server closed the connection") from None
        status = int(head[9:12])
        length = _content_length(head)
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise RawHttpError("the answer has no Content-Length")
