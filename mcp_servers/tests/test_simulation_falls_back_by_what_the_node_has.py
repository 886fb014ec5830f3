"""A node without eth_simulateV1 is simulated with debug_traceCall (the same effects, read off
the call tracer's frames); one without either gets eth_call only, which the card calls "partly"
checked and the policy "cannot verify". The method is detected once per server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call, network_for
from mcp_servers.tests.guard import calldata, mine, summary_of, text_of
from mcp_servers.tests.test_wallet_guard_bad_input import GarbageRpc
from testsupport.processes import Anvil

BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def method_not_found(calls: list[dict[str, Any]]) -> bytes:
    error = {"code": -32601, "message": "Method not found"}
    return json.dumps(
        [{"jsonrpc": "2.0", "id": c.get("id"), "error": error} for c in calls]
    ).encode()


async def chain_without(anvil: Anvil, *hidden: str) -> tuple[Chain, GarbageRpc]:
    rpc = GarbageRpc(anvil.url, frozenset(hidden), method_not_found)
    await rpc.start()
    return Chain(network_for("testnet", rpc.url), timeout=5), rpc


@pytest.fixture
async def tracing_chain(anvil_testnet: Anvil) -> AsyncIterator[Chain]:
    chain, rpc = await chain_without(anvil_testnet, "eth_simulateV1")
    yield chain
    await chain.w3.provider.disconnect()
    await rpc.stop()


@pytest.fixture
async def call_only_chain(anvil_testnet: Anvil) -> AsyncIterator[Chain]:
    chain, rpc = await chain_without(anvil_testnet, "eth_simulateV1", "debug_traceCall")
    yield chain
    await chain.w3.provider.disconnect()
    await rpc.stop()


async def test_without_simulate_v1_the_call_tracer_finds_the_same_effects(
    tracing_chain: Chain, usd: str
) -> None:
    data = calldata("transfer(address,uint256)", BOB, 2_500_000)
    token = await call(
        tracing_chain, "prepare_transaction", from_address="alice", to=usd, data=data
    )
    native = await call(
        tracing_chain, "prepare_transaction", from_address="alice", to="bob", value="0.01"
    )
    assert tracing_chain.cache["simulation_method"] == "debug_traceCall"
    for result, sent in ((token, ("TUSD", "-2.5")), (native, ("ETH", "-0.01"))):
        summary = summary_of(result)
        assert summary["checked"] == "simulated"
        moves = [
            (e["symbol"], e["amount"], e["counterparty_label"]) for e in mine(summary, "transfer")
        ]
        assert moves == [(*sent, "bob (0x7099…79C8)")]
        assert summary["policy"]["verdict"] == "allowed"


async def test_without_any_simulation_the_card_says_it_could_not_verify(
    call_only_chain: Chain, usd: str
) -> None:
    data = calldata("transfer(address,uint256)", BOB, 1)
    result = await call(
        call_only_chain, "prepare_transaction", from_address="alice", to=usd, data=data
    )
    summary = summary_of(result)
    assert call_only_chain.cache["simulation_method"] == "eth_call"
    assert summary["checked"] == "partly"
    assert summary["policy"]["verdict"] == "cannot_verify"
    assert summary["policy"]["warnings"][0].startswith("Could not verify what this does")
    # What the request says it does is still judged: its transfer is on the card.
    assert [e["amount"] for e in mine(summary, "transfer")] == ["-0.000001"]


async def test_a_revert_found_by_the_tracer_gives_its_reason(
    tracing_chain: Chain, usd: str
) -> None:
    data = calldata(
        "transfer(address,uint256)", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 10**30
    )
    result = await call(
        tracing_chain, "prepare_transaction", from_address="alice", to=usd, data=data
    )
    assert result.is_error
    assert text_of(result) == "The contract call reverted: TestToken: insufficient balance."


async def test_unverified_writes_are_refused_when_the_operator_says_so(
    call_only_chain: Chain, usd: str, settings: Any
) -> None:
    settings.SPEND_REFUSE_UNVERIFIED = True
    result = await call(
        call_only_chain, "prepare_transaction", from_address="alice", to="bob", value="0.01"
    )
    assert result.is_error
    assert text_of(result) == (
        "The spend policy refuses this: what it would do could not be checked on testnet, and "
        "this server refuses what it cannot verify."
    )
