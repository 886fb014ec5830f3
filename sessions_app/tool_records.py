"""Group commit of the proxy's ToolCall rows.

Every call through the endpoint is recorded before it is answered. Under load many calls
finish at once; one INSERT of all their rows costs the database and this process a fraction
of one INSERT (and one commit) each. Rows that arrive while an INSERT is in flight wait for
the next one, so a lone call is written at once and concurrent ones share their write. Under
50 concurrent calls a row costs this process 0.06-0.09 ms of CPU and PostgreSQL 0.08-0.10 ms,
against 0.62-0.68 and 0.18-0.20 ms for the ORM's acount + asave per row (bench/bench_infra.py
--piece tool-records); a lone row costs 0.1-0.3 ms more than that.

What is kept is bounded (tests/abuse/test_tool_call_rows_are_bounded.py): a refused call keeps
at most REFUSED_ARGUMENTS_CHARS of its arguments and a result that names its error without
quoting them, and a chat keeps at most MAX_MESSAGES_PER_SESSION tool calls (later ones are
answered as usual, and logged, but not stored).
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Count

from chatproject.lib.dbthreads import db
from sessions_app.models import ToolCall

log = logging.getLogger(__name__)

REFUSED_ARGUMENTS_CHARS = 1000
REFUSED_MESSAGE_CHARS = 200
# An error's words that share this many characters in a row with the arguments quote them.
ECHO_WINDOW = 12


class ToolCallWriter:
    """Writes rows in batches on one event loop; ``save`` returns once its row is committed."""

    def __init__(self) -> None:
        self._waiting: list[tuple[ToolCall, asyncio.Future[None]]] = []
        self._writing = False
        # The loop keeps only a weak reference to a task: this one is kept until it ends.
        self._task: asyncio.Task[None] | None = None

    async def save(self, row: ToolCall) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if not self._writing:
            self._writing = True
            self._task = asyncio.get_running_loop().create_task(self._write_all())
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
            await db(_insert_within_caps)([row for row, _ in batch])
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


def _insert_within_caps(rows: list[ToolCall]) -> None:
    """Insert the rows whose chat has room (one count query for the whole batch)."""
    cap = settings.MAX_MESSAGES_PER_SESSION
    if cap > 0:
        rows = _within_cap(rows, cap)
    if rows:
        ToolCall.objects.bulk_create(rows)


def _within_cap(rows: list[ToolCall], cap: int) -> list[ToolCall]:
    chats = {row.chat_session_id for row in rows}
    held = ToolCall.objects.filter(chat_session_id__in=chats).values("chat_session_id")
    stored = Counter({c["chat_session_id"]: c["n"] for c in held.annotate(n=Count("pk"))})
    kept = []
    for row in rows:
        if stored[row.chat_session_id] >= cap:
            log.info("tool call %s not stored: its chat holds %d already", row.tool, cap)
            continue
        stored[row.chat_session_id] += 1
        kept.append(row)
    return kept


def bounded(row: ToolCall) -> ToolCall:
    """A refused call as it is kept: its arguments cut to REFUSED_ARGUMENTS_CHARS, and its
    result the error's code and words, unless those words quote the arguments."""
    if not row.is_error:
        return row
    quoted = json.dumps(row.arguments, default=str, ensure_ascii=False)
    row.arguments = _cut_arguments(row.arguments, quoted)
    row.result = _refusal(row.result, quoted)
    return row


def _cut_arguments(arguments: Any, text: str) -> Any:
    if len(text) <= REFUSED_ARGUMENTS_CHARS:
        return arguments
    return {"truncated": True, "chars": len(text), "start": text[:REFUSED_ARGUMENTS_CHARS]}


def _refusal(result: Any, arguments_text: str) -> dict[str, str]:
    error = result if isinstance(result, dict) else {}
    message = str(error.get("message", ""))[:REFUSED_MESSAGE_CHARS]
    if _quotes(message, arguments_text):
        message = "The call was refused (its words quoted the arguments, so they are not kept)."
    return {"code": str(error.get("code", "error"))[:64], "message": message}


def _quotes(message: str, arguments_text: str) -> bool:
    """Any ECHO_WINDOW characters of ``message`` found in the arguments (as JSON)."""
    last = len(message) - ECHO_WINDOW
    return any(message[i : i + ECHO_WINDOW] in arguments_text for i in range(last + 1))


async def save(row: ToolCall) -> None:
    """Insert ``row`` (bounded, batched with the other rows being saved on this loop)."""
    bounded(row)
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = ToolCallWriter()
    await writer.save(row)
