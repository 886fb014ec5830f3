"""The path one chat message takes ("How a message flows", docs/architecture.md), checked by
running it.

One builtin balance turn is recorded in both processes it crosses: this one (the socket, the
chat, the turn, the agent, the proxy client, on every thread) and a real runmcp server started
under testsupport.pathtrace. The steps it lists, 12 or fewer, must each run during the
turn, and be first entered in the order it gives; every other file the turn runs must be
named under "Every other file the turn runs", and every file named there must run. A list
that drifts from the code (a file renamed, a step moved, a new hop anywhere) fails here.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from channels.db import database_sync_to_async

from chatproject.lib import dbthreads
from mcp_proxy import loop as proxy_loop
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    settle_turns,
)
from testsupport.pathtrace import BASE_DIR, PathRecorder
from testsupport.processes import (
    PROCESS_START_TIMEOUT,
    Anvil,
    McpServer,
    free_port,
    runmcp_env,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

STEP = re.compile(r"^\d+\. `([\w/]+\.py)`", re.MULTILINE)
HELPER = re.compile(r"`([\w/]+\.py)`")


def flow_section() -> str:
    docs = (BASE_DIR / "docs" / "architecture.md").read_text()
    return docs.split("## How a message flows", 1)[1].split("\n## ", 1)[0]


def readme_path() -> list[str]:
    steps = flow_section().split("### Every other file the turn runs", 1)[0]
    return STEP.findall(steps)


def documented_helpers() -> set[str]:
    helpers = flow_section().split("### Every other file the turn runs", 1)[1]
    bullets = [line for line in helpers.splitlines() if line.startswith(("- ", "  "))]
    return set(HELPER.findall("\n".join(bullets)))


@pytest.fixture
def recorded_server(anvil_testnet: Anvil, tmp_path: Path) -> Iterator[tuple[McpServer, Path]]:
    output = tmp_path / "server-path.json"
    port = free_port()
    command = [sys.executable, "-m", "testsupport.pathtrace", str(output), "--"]
    command += ["testnet", "--host", "127.0.0.1", "--port", str(port)]
    server = McpServer(args=command, env=runmcp_env("testnet", anvil_testnet.url), port=port)
    server.start()
    wait_until(server.ready, PROCESS_START_TIMEOUT, "the recorded runmcp")
    yield server, output
    server.stop()


def signal_and_wait(server: McpServer, signum: int, appears: Path) -> None:
    assert server.popen is not None
    server.popen.send_signal(signum)
    wait_until(appears.exists, 10, f"the recorder's {appears.name}")


async def record_turn(alice, server: McpServer, output: Path) -> tuple[dict[str, int], list]:
    """The first entry into each project file, in this process and the server, of one turn."""
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    await ask(socket, "balance of alice")  # warm: the tool list, the connections
    await settle_turns()  # its drain ends after turn.complete: not part of the next turn
    recorder = PathRecorder()
    dbthreads.shutdown()  # the database threads start again, with the hook
    recorder.install()
    loop = proxy_loop.proxy_loop()
    if loop is not asyncio.get_running_loop():  # the proxy's own thread, started already
        loop.call_soon_threadsafe(sys.setprofile, recorder.hook)
    signal_and_wait(server, signal.SIGUSR1, output.with_suffix(".on"))
    recorder.on = True
    try:
        seen = await ask(socket, "balance of alice again")
        await settle_turns()
    finally:
        recorder.on = False
        recorder.uninstall()
        loop.call_soon_threadsafe(sys.setprofile, None)
    signal_and_wait(server, signal.SIGUSR2, output)
    await socket.disconnect()
    return {**recorder.first_entered, **json.loads(output.read_text())}, seen


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, recorded_server):
    server, _ = recorded_server
    point_network(settings, "testnet", server.url)
    return make_browser("alice")


async def test_one_message_runs_the_files_readme_lists_in_that_order(alice, recorded_server):
    listed = readme_path()
    assert 0 < len(listed) <= 12, listed
    first_entered, seen = await record_turn(alice, *recorded_server)
    assert of_type(seen, "tool.result")[0]["ok"]

    missing = [path for path in listed if path not in first_entered]
    assert not missing, f"docs/architecture.md lists files the turn never ran: {missing}"
    ran_in_order = sorted(listed, key=first_entered.__getitem__)
    assert ran_in_order == listed, "the docs' order is not the order the turn ran them in"

    others = set(first_entered) - set(listed)
    helpers = documented_helpers()
    assert sorted(others - helpers) == [], "files the turn ran that the docs do not name"
    assert sorted(helpers - others) == [], "files the docs name that the turn no longer ran"
    print(f"\n{len(first_entered)} project files ran: the {len(listed)} steps, and")
    print("\n".join(f"  {path}" for path in sorted(others, key=first_entered.__getitem__)))


def test_readme_names_files_that_exist():
    listed = readme_path()
    assert listed, "docs/architecture.md has no numbered file list under 'How a message flows'"
    assert [path for path in listed if not (BASE_DIR / path).is_file()] == []
    assert len(documented_helpers()) > 20
    assert sorted(p for p in documented_helpers() if not (BASE_DIR / p).is_file()) == []
