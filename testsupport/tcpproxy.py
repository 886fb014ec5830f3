"""A small TCP proxy that can be cut: makes a shared server (PostgreSQL) 'unavailable' to the
backends for a few seconds without touching the server itself, or drops the connection a
request arrives on (a keep-alive connection closed by the server as the client reused it)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class TcpProxy:
    upstream_host: str
    upstream_port: int
    port: int = 0
    cut_off: bool = False
    server: asyncio.Server | None = None
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    refused: int = 0
    drop_requests: int = 0  # the next N requests on open connections are dropped unanswered
    dropped: int = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.cut()
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until ``restore``."""
        self.cut_off = True
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        self.cut_off = False

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, client=writer), self._pipe(up_reader, writer)
        )
        self.writers -= {writer, up_writer}

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: asyncio.StreamWriter | None = None,
    ) -> None:
        """Copy until EOF; bytes from ``client`` may instead drop its connection (drop_requests)."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if client is not None and self.drop_requests > 0:
                    self.drop_requests -= 1
                    self.dropped += 1
                    client.transport.abort()  # as a server closing an idle keep-alive connection
                    break
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
