"""Issue 26, bad input: an unknown selector, a 10 MB `data` field, or an RPC that answers the
simulation with garbage gives a clear error or "could not check": never a crash, never a
write the card calls "Allowed"."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call, network_for
from mcp_servers.tests.guard import REFUSAL, summary_of, text_of
from testsupport import local_http
from testsupport.processes import Anvil, McpServer, free_port

TEN_MB = 10 * 1024 * 1024
SIMULATION = frozenset({"eth_simulateV1", "debug_traceCall"})
EVERY_CHECK = SIMULATION | {"eth_call", "eth_estimateGas"}


def wrong_shape(calls: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        [
            {"jsonrpc": "2.0", "id": c.get("id"), "result": {"nonsense": [1, "two", None]}}
            for c in calls
        ]
    ).encode()


def error_object(calls: list[dict[str, Any]]) -> bytes:
    error = {"code": -32603, "message": "internal error: the simulator fell over"}
    return json.dumps(
        [{"jsonrpc": "2.0", "id": c.get("id"), "error": error} for c in calls]
    ).encode()


def not_json(calls: list[dict[str, Any]]) -> bytes:
    return b"<html><body>502 Bad Gateway</body></html>"


Garbage = Callable[[list[dict[str, Any]]], bytes]


@dataclass
class GarbageRpc:
    """Anvil behind a proxy that answers ``garbled`` methods with ``garbage``; the rest
    (eth_chainId, balances, nonces, …) is Anvil's own answer."""

    upstream: str
    garbled: frozenset[str]
    garbage: Garbage
    url: str = ""
    garbled_calls: int = 0
    runner: web.AppRunner | None = None
    client: aiohttp.ClientSession | None = None

    async def answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        payload = json.loads(body)
        calls = payload if isinstance(payload, list) else [payload]
        if any(c.get("method") in self.garbled for c in calls):
            self.garbled_calls += 1
            garbage = self.garbage(calls)
            if not isinstance(payload, list) and garbage.startswith(b"["):
                garbage = json.dumps(json.loads(garbage)[0]).encode()
            return web.Response(body=garbage, content_type="application/json")
        headers = {"Content-Type": "application/json"}
        assert self.client
        async with self.client.post(self.upstream, data=body, headers=headers) as upstream:
            return web.Response(body=await upstream.read(), content_type="application/json")

    async def start(self) -> None:
        self.client = aiohttp.ClientSession()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/", self.answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self.client:
            await self.client.close()
        if self.runner:
            await self.runner.cleanup()


@pytest.fixture
async def garbage_chain(
    anvil_testnet: Anvil, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Chain, GarbageRpc]]:
    garbled, garbage = getattr(request, "param", (SIMULATION, wrong_shape))
    rpc = GarbageRpc(anvil_testnet.url, garbled, garbage)
    await rpc.start()
    chain = Chain(network_for("testnet", rpc.url), timeout=5)
    yield chain, rpc
    await chain.w3.provider.disconnect()
    await rpc.stop()


def assert_clear_error(text: str) -> None:
    assert "Traceback" not in text and len(text) < 1000, text[:2000]
    assert "nonsense" not in text and "<html>" not in text, text


async def test_an_unknown_selector_is_a_clear_revert_not_an_allowed_write(
    chain: Chain, guard_token: str
) -> None:
    result = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data="0xdeadbeef"
    )
    if result.is_error:
        assert_clear_error(text_of(result))
        assert "revert" in text_of(result).lower() or "could not" in text_of(result).lower()
    else:
        assert summary_of(result)["policy"]["verdict"] != "allowed"


@pytest.mark.parametrize("data", ["0x" + "ab" * (TEN_MB // 2), "0x" + "zz" * (TEN_MB // 2)])
async def test_a_ten_megabyte_data_field_is_a_short_clear_error(
    chain: Chain, guard_token: str, data: str
) -> None:
    result = await call(
        chain, "prepare_transaction", from_address="ivan", to=guard_token, data=data
    )
    assert result.is_error, "a 10 MB data field was prepared"
    assert_clear_error(text_of(result))


async def test_a_ten_megabyte_request_is_refused_by_the_server(mcp_testnet: McpServer) -> None:
    arguments = {"from_address": "ivan", "to": "bob", "data": "0x" + "ab" * (TEN_MB // 2)}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "prepare_transaction", "arguments": arguments}}  # fmt: skip
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with local_http.async_client(timeout=30) as http:
        response = await http.post(mcp_testnet.url, json=body, headers=headers)
    assert response.status_code == 413


CASES = [
    pytest.param((garbled, garbage), id=f"{name}-{garbage.__name__}")
    for name, garbled in (("simulation", SIMULATION), ("every-check", EVERY_CHECK))
    for garbage in (wrong_shape, error_object, not_json)
]


@pytest.mark.parametrize("garbage_chain", CASES, indirect=True)
async def test_an_rpc_that_answers_garbage_gives_could_not_check(
    garbage_chain: tuple[Chain, GarbageRpc],
) -> None:
    chain, rpc = garbage_chain
    result = await call(chain, "prepare_transaction", from_address="ivan", to="bob", value="0.01")
    assert rpc.garbled_calls, "the write was prepared without asking for a simulation"
    if result.is_error:
        assert_clear_error(text_of(result))
        return
    summary = summary_of(result)
    assert summary["checked"] in ("partly", "unchecked"), summary["checked"]
    assert summary["policy"]["verdict"] == "cannot_verify" and summary["policy"]["warnings"]


async def test_an_unverified_write_is_refused_when_the_server_says_so(
    garbage_chain: tuple[Chain, GarbageRpc], settings: Any
) -> None:
    settings.SPEND_REFUSE_UNVERIFIED = True
    chain, _ = garbage_chain
    result = await call(chain, "prepare_transaction", from_address="ivan", to="bob", value="0.01")
    assert result.is_error, result.structured_content
    assert text_of(result).startswith(REFUSAL), text_of(result)
    assert_clear_error(text_of(result))
