"""One builtin balance turn, from the chat.message frame to the end of its drain, costs few SQL
statements: its bookkeeping (store the message with its running turn and its empty answer,
create the tool call, finish, find nothing queued) takes 4; with the tool call's result and
the answer's text 6; on PostgreSQL the store is one statement (sessions_app/turns.py). The
issue asked for 6 bookkeeping statements or fewer.

Those 6 take 4 round trips: statements that go together (the answer's words with the tool
call's row; the result, the end and the answer's final text) are sent together
(models.together, psycopg's pipeline mode), each group one transaction that the pipeline's Sync
commits. The claim of the next turn follows the end's commit, in a round trip of its own, so
that it sees the end committed. No statement opens or closes a transaction itself.

The chat's database work runs on the database threads (chatproject/lib/dbthreads.py); with one
thread, every statement of the turn goes through one connection, where they are captured.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatproject.lib import dbthreads
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    settle_turns,
)

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT_WRITES = re.compile(r"^UPDATE chat_message SET content|^UPDATE chat_toolcall SET result")
TRANSACTION = re.compile(r"^(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT)\b")


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet, monkeypatch):
    point_network(settings, "testnet", mcp_testnet.url)
    monkeypatch.setenv("CHAT_DB_THREADS", "1")
    dbthreads.shutdown()  # the next call starts the pool with one thread
    return make_browser("alice")


class Capture:
    """CaptureQueriesContext on the database thread (connections are per thread), and the
    round trips: a statement sent alone is one, the statements of a pipeline are one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.context = CaptureQueriesContext(connection)
        self.alone = self.pipelines = 0
        pipeline = psycopg.Connection.pipeline

        def counted(conn: psycopg.Connection[object]) -> object:
            self.pipelines += 1
            return pipeline(conn)

        monkeypatch.setattr(psycopg.Connection, "pipeline", counted)

    def _count(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if context["connection"].connection._pipeline is None:
            self.alone += 1
        return execute(sql, params, many, context)

    def _enter(self) -> None:
        self.context.__enter__()
        connection.execute_wrappers.append(self._count)

    def _exit(self) -> list[str]:
        connection.execute_wrappers.remove(self._count)
        self.context.__exit__(None, None, None)
        return [q["sql"] for q in self.context]

    @property
    def round_trips(self) -> int:
        return self.alone + self.pipelines

    async def __aenter__(self) -> Capture:
        await dbthreads.db(self._enter)()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.statements = await dbthreads.db(self._exit)()


async def test_builtin_balance_turn_takes_four_bookkeeping_statements_and_four_round_trips(
    alice, monkeypatch
):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    await ask(socket, "balance of alice")  # warm: the tool list, the first connection
    async with Capture(monkeypatch) as capture:
        seen = await ask(socket, "balance of alice again")
        await settle_turns()  # the drain looks for a queued turn after turn.complete
    await socket.disconnect()
    assert of_type(seen, "tool.result")[0]["ok"]
    statements = [sql for sql in capture.statements if not TRANSACTION.match(sql)]
    bookkeeping = [sql for sql in statements if not CONTENT_WRITES.match(sql)]
    listing = "\n".join(capture.statements)
    assert len(bookkeeping) <= 4, listing
    # The tool call's result, and the answer's text with its rendered HTML (stored once, at
    # the finish: issue 14, a long history is not re-rendered on every load).
    assert len(statements) <= 6, listing
    # No explicit transaction: each round trip is one, committed at its Sync; the claim comes
    # last, after the end's commit.
    assert not [sql for sql in capture.statements if TRANSACTION.match(sql)], listing
    assert capture.statements[-1].startswith("UPDATE chat_turn SET status = 'running'"), listing
    # The store; the tool call's row with the words before it; the result, the end and the
    # final text; the claim of the next turn.
    assert capture.round_trips <= 4, listing
