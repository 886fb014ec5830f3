"""The backend needs no RPC URL (issue 28): a daphne started without any <NET>_RPC_URL variable
serves a testnet turn through a real runmcp, and learns from the MCP servers' /health which
networks are up. polygon, whose runmcp cannot reach its RPC (its /health: rpc_ok false), and
mainnet, which has no server, are listed as unavailable with a sentence for people, refused by
the chat and named so by the agent; which variable or error is behind it, /health tells the
operator alone."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator

import psutil
import pytest
from django.conf import settings

from chatproject.lib.networks import TABLE
from tests.deploy.helpers import DEADLINE, Visitor, events_until
from testsupport import local_http
from testsupport.processes import (
    PROCESS_START_TIMEOUT,
    Daphne,
    McpServer,
    free_port,
    postgres_url,
    start_runmcp,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

RPC_VARIABLES = {row.rpc_env for row in TABLE}
OPERATOR = {"Authorization": "Bearer no-rpc-operator-7c1e"}
NO_CHAIN = "its server cannot reach the chain right now"


@pytest.fixture(scope="module")
def polygon_without_chain() -> Iterator[McpServer]:
    """polygon's runmcp, whose RPC does not answer: it serves, and its /health says so."""
    server = start_runmcp("polygon", f"http://127.0.0.1:{free_port()}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def backend(
    django_db_setup: None,
    mcp_testnet: McpServer,
    polygon_without_chain: McpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Daphne]:
    """daphne whose environment holds no RPC variable at all (not even an empty one)."""
    env = {key: value for key, value in os.environ.items() if key not in RPC_VARIABLES}
    env |= {f"MCP_{row.name.upper()}_URL": "" for row in TABLE}  # no server: not configured
    env |= {
        "DATABASE_URL": postgres_url(settings.DATABASES["default"]),
        "REDIS_URL": os.environ["REDIS_URL"],
        "MCP_TESTNET_URL": mcp_testnet.url,
        "MCP_POLYGON_URL": polygon_without_chain.url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AGENT_PROVIDER": "builtin",
        "METRICS_TOKEN": OPERATOR["Authorization"].removeprefix("Bearer "),
    }
    port = free_port()
    argv = [sys.executable, "-m", "chatproject.daphne", "-b", "127.0.0.1", "-p", str(port)]
    log_path = tmp_path_factory.mktemp("no-rpc") / "daphne.log"
    daphne = Daphne(
        args=[*argv, "chatproject.asgi:application"], env=env, port=port, log_path=log_path
    )
    daphne.start()
    try:
        wait_until(daphne.ready, PROCESS_START_TIMEOUT, "daphne without RPC URLs")
        yield daphne
    finally:
        daphne.stop()


def page_networks(backend: Daphne) -> dict[str, dict[str, object]]:
    html = local_http.get(f"{backend.base_url}/", timeout=DEADLINE).text
    assert "RPC_URL" not in html  # no variable names for people
    start = html.index('<script id="networks-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return {network["name"]: network for network in json.loads(body)}


def test_the_backend_runs_with_no_rpc_variable(backend):
    assert backend.popen is not None
    environment = psutil.Process(backend.popen.pid).environ()
    assert not RPC_VARIABLES & set(environment)


async def test_a_testnet_turn_runs_through_the_real_mcp_server(backend):
    alice = Visitor()
    chat_id = await alice.new_chat(backend)
    async with alice.socket(backend, chat_id) as tab:
        await events_until(tab, "session.state")
        response = await alice.say(backend, chat_id, "what is the current block number?")
        assert response.status_code == 202, response.text
        seen = await events_until(tab, "turn.complete")
    result = next(event for event in seen if event["type"] == "tool.result")
    assert result["ok"] is True, result


def test_the_page_lists_networks_whose_servers_cannot_serve_as_unavailable_with_why(backend):
    networks = page_networks(backend)
    assert networks["testnet"]["available"] is True
    assert networks["polygon"]["available"] is False
    assert networks["polygon"]["unavailable_reason"] == NO_CHAIN
    for name in ("mainnet", "base", "arbitrum"):
        assert networks[name]["available"] is False
        assert networks[name]["unavailable_reason"] == "not configured on this server"


async def test_the_chat_refuses_them_in_words_for_people(backend):
    page_networks(backend)  # the page waits for the first round of health probes
    alice = Visitor()
    chat_id = await alice.new_chat(backend)
    body = {"session_id": chat_id, "message": "gas price", "network": "polygon"}
    refused = await alice.post(backend, "/api/chat", {**body, "client_msg_id": "p1"})
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "network_unavailable"
    assert error["message"] == f"polygon is unavailable: {NO_CHAIN}."
    body = {**body, "network": "mainnet", "client_msg_id": "m1"}
    error = (await alice.post(backend, "/api/chat", body)).json()["error"]
    assert error["message"] == "mainnet is unavailable: not configured on this server."


async def test_the_agent_says_which_network_it_cannot_use_and_why(backend):
    page_networks(backend)
    alice = Visitor()
    chat_id = await alice.new_chat(backend)
    async with alice.socket(backend, chat_id) as tab:
        await events_until(tab, "session.state")
        await alice.say(backend, chat_id, "what is the block number on polygon?")
        seen = await events_until(tab, "turn.complete")
    answer = seen[-1]["html"]
    assert f"polygon is not available here ({NO_CHAIN}), so I did nothing on it." in answer
    assert not [event for event in seen if event["type"] == "tool.call"]


def test_health_tells_the_operator_what_is_behind_it_and_others_the_state_only(backend):
    page_networks(backend)
    anonymous = local_http.get(f"{backend.base_url}/health", timeout=DEADLINE).json()["networks"]
    assert anonymous["polygon"] == {"state": "degraded"}
    assert anonymous["mainnet"] == {"state": "unavailable"}
    operator = local_http.get(f"{backend.base_url}/health", headers=OPERATOR, timeout=DEADLINE)
    detail = operator.json()["networks"]
    assert detail["testnet"]["state"] == "up"
    assert "its RPC is not answering" in detail["polygon"]["last_error"]
    assert "ETH_RPC_URL" in detail["mainnet"]["last_error"]
    assert "MCP_MAINNET_URL" in detail["mainnet"]["last_error"]
