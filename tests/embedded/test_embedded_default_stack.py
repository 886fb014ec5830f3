"""The embedded default that `make run` uses on a bare machine: an SQLite file, the in-memory
channel layer, one daphne process. The main flows run on it (a turn, two tabs of one chat,
queued messages, an interrupt, several browsers at once) and the backend answers no request
with a 5xx and never logs "database is locked" (chatproject/settings.py: WAL, a busy timeout,
IMMEDIATE transactions)."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy.helpers import (
    DEADLINE,
    Visitor,
    backend_env_serving_only_testnet,
    events_until,
)
from testsupport.processes import (
    BASE_DIR,
    PROCESS_START_TIMEOUT,
    Daphne,
    start_daphne,
    wait_until,
)
from testsupport.stand_in_mcp import stand_in_mcp_server

SERVER_ERROR = re.compile(r'" 5\d\d ')  # daphne's access log: "POST /api/chat" 500 …


@pytest.fixture(scope="module")
def hanging_mcp_url() -> Iterator[str]:
    """An "MCP server" whose health is fine and whose calls never finish: a turn that runs
    until it is interrupted."""
    with stand_in_mcp_server() as stand_in:
        yield stand_in.url


@pytest.fixture(scope="module")
def embedded_db_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embedded") / "db.sqlite3"


@pytest.fixture(scope="module")
def embedded(embedded_db_path, mcp_testnet, hanging_mcp_url) -> Iterator[Daphne]:
    """One daphne on a migrated SQLite file, no REDIS_URL: `make run`'s backend."""
    env = {
        **backend_env_serving_only_testnet(mcp_testnet.url),
        "DATABASE_URL": f"sqlite:///{embedded_db_path}",
        "REDIS_URL": "",
        "MCP_ARBITRUM_URL": hanging_mcp_url,
        "MCP_CALL_TIMEOUT": "120",
        # Every visitor here comes from 127.0.0.1: the per-address cap (tests/abuse) would
        # stop the module's chats, which test the embedded stack, not the caps.
        "MAX_SESSIONS_PER_ADDRESS": "100",
        "AGENT_PROVIDER": "builtin",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, cwd=BASE_DIR, env={**os.environ, **env}, check=True)
    daphne = start_daphne(env, wait=False, log_path=embedded_db_path.parent / "daphne.log")
    wait_until(daphne.ready, PROCESS_START_TIMEOUT, "the embedded backend")
    yield daphne
    daphne.stop()


def assert_clean_log(daphne: Daphne) -> None:
    assert daphne.log_path is not None
    log = daphne.log_path.read_text(errors="replace")
    assert "database is locked" not in log
    assert "database table is locked" not in log
    assert not SERVER_ERROR.findall(log), [line for line in log.splitlines() if "5" in line]
    assert "Internal Server Error" not in log


async def say(visitor: Visitor, daphne: Daphne, chat_id: str, text: str, network: str):
    body = {"session_id": chat_id, "message": text, "network": network}
    return await visitor.post(daphne, "/api/chat", {**body, "client_msg_id": uuid.uuid4().hex})


async def test_a_turn_streams_its_tool_call_and_answer(embedded):
    alice = Visitor()
    chat_id = await alice.new_chat(embedded)
    async with alice.socket(embedded, chat_id) as tab:
        await events_until(tab, "session.state")
        response = await alice.say(embedded, chat_id, "what is the current block number?")
        assert response.status_code == 202, response.text
        seen = await events_until(tab, "turn.complete")
    kinds = [event["type"] for event in seen]
    assert "tool.call" in kinds and "tool.result" in kinds
    assert_clean_log(embedded)


async def test_two_tabs_of_one_chat_see_the_same_turn(embedded):
    alice = Visitor()
    chat_id = await alice.new_chat(embedded)
    async with alice.socket(embedded, chat_id) as first, alice.socket(embedded, chat_id) as second:
        await events_until(first, "session.state")
        await events_until(second, "session.state")
        response = await alice.say(embedded, chat_id, "balance of bob")
        assert response.status_code == 202, response.text
        done = await asyncio.gather(
            events_until(first, "turn.complete"), events_until(second, "turn.complete")
        )
    assert done[0][-1]["message_id"] == done[1][-1]["message_id"]
    assert_clean_log(embedded)


async def test_a_queued_message_runs_after_the_interrupted_turn(embedded):
    alice = Visitor()
    chat_id = await alice.new_chat(embedded)
    async with alice.socket(embedded, chat_id) as tab:
        await events_until(tab, "session.state")
        hanging = await say(alice, embedded, chat_id, "block number", "arbitrum")
        assert hanging.status_code == 202, hanging.text
        await events_until(tab, "tool.call")  # the turn waits on a server that never answers
        queued = await say(alice, embedded, chat_id, "gas price", "testnet")
        assert queued.status_code == 202, queued.text
        assert queued.json()["message"]["status"] == "queued"
        stop = await alice.post(embedded, "/api/interrupt", {"session_id": chat_id})
        assert stop.status_code == 202, stop.text
        interrupted = await events_until(tab, "turn.complete")
        answered = await events_until(tab, "turn.complete")
    assert "Interrupted" in interrupted[-1]["html"]
    assert "Gas" in answered[-1]["html"]
    assert_clean_log(embedded)


async def one_browser(embedded: Daphne, index: int) -> list[int]:
    """A person: opens a chat, asks twice, lists their chats and reads one back."""
    visitor = Visitor()
    chat_id = await visitor.new_chat(embedded)
    statuses = []
    async with visitor.socket(embedded, chat_id) as tab:
        await events_until(tab, "session.state")
        for text in ("what is the current block number?", f"balance of alice #{index}"):
            response = await visitor.say(embedded, chat_id, text)
            statuses.append(response.status_code)
            await events_until(tab, "turn.complete")
    async with httpx.AsyncClient(base_url=embedded.base_url, cookies=visitor.cookies) as client:
        for path in ("/api/sessions", f"/api/sessions/{chat_id}", "/", "/sessions/"):
            statuses.append((await client.get(path, timeout=DEADLINE)).status_code)
    return statuses


async def test_several_browsers_at_once_get_no_server_error(embedded):
    statuses = await asyncio.gather(*(one_browser(embedded, index) for index in range(8)))
    assert {code for codes in statuses for code in codes} <= {200, 202}
    assert_clean_log(embedded)


async def test_chats_are_stored_in_the_sqlite_file_in_wal_mode(embedded, embedded_db_path):
    chat_id = await Visitor().new_chat(embedded)
    with sqlite3.connect(embedded_db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        query = "SELECT status FROM chat_chatsession WHERE public_id = ?"
        assert db.execute(query, (chat_id,)).fetchall() == [("active",)]
    health = httpx.get(f"{embedded.base_url}/health", timeout=DEADLINE)
    assert health.status_code == 200, health.text
