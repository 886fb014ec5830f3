"""Group commit of the proxy's ToolCall rows.

Every call through the endpoint is recorded before it is answered. Under load many calls
finish at once; one INSERT of all their rows costs the database and this process a fraction
of one INSERT (and one commit) each. Rows that arrive while an INSERT is in flight wait for
the next one, so a lone call is written at once and concurrent ones share their write.
"""

from __future__ import annotations

import asyncio
import weakref

from chatproject.dbthreads import db
from sessions_app.models import ToolCall


class ToolCallWriter:
    """Writes rows in batches on one event loop; ``save`` returns once its row is committed."""

    def __init__(self) -> None:
        self._waiting: list[tuple[ToolCall, asyncio.Future[None]]] = []
        self._writing = False

    async def save(self, row: ToolCall) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._write(batch)
        finally:
            self._writing = False

    async def _write(self, batch: list[tuple[ToolCall, asyncio.Future[None]]]) -> None:
        try:
            await db(ToolCall.objects.bulk_create)([row for row, _ in batch])
        except Exception as exc:  # each waiting call fails as its own INSERT would have
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ToolCallWriter] = (
    weakref.WeakKeyDictionary()
)


async def save(row: ToolCall) -> None:
    """Insert ``row`` (batched with the other rows being saved on this loop)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = ToolCallWriter()
    await writer.save(row)
