"""An unreachable or hung RPC gives a readable tool error, and the RPC URL never shows."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from mcp_servers.chain import Chain
from mcp_servers.errors import scrub, secret_fragments
from mcp_servers.server import health
from mcp_servers.tests.conftest import error_of
from mcp_servers.tests.fakes import silent_tcp_server
from testsupport.processes import free_port

SECRET = "k3y-abc123"


def chain_at(url: str, timeout: float = 10) -> Chain:
    return Chain(replace(settings.NETWORKS["mainnet"], rpc_url=url), timeout=timeout)


async def test_unreachable_rpc_is_a_sentence_without_the_url() -> None:
    chain = chain_at(f"http://127.0.0.1:{free_port()}/v3/{SECRET}")
    message = await error_of(chain, "get_block_number")
    assert message == "The mainnet RPC node could not be reached; check that it is running."
    balance = await error_of(chain, "get_balance", address="0x" + "11" * 20)
    assert SECRET not in balance
    await chain.w3.provider.disconnect()  # type: ignore[attr-defined]


async def test_hung_rpc_times_out_with_a_sentence() -> None:
    with silent_tcp_server() as port:
        chain = chain_at(f"http://user:{SECRET}@127.0.0.1:{port}/?apikey={SECRET}", timeout=0.3)
        message = await error_of(chain, "get_block_number")
        report = await health(chain, ["get_block_number"])
        await chain.w3.provider.disconnect()  # type: ignore[attr-defined]
    assert message == "The mainnet RPC node did not answer within 0.3 s; try again later."
    assert report["rpc_ok"] is False and report["status"] == "degraded"
    assert SECRET not in str(report)


async def test_rpc_error_answers_are_scrubbed(anvil_testnet) -> None:
    # An RPC path that Anvil refuses: the HTTP error text would carry the URL, the key with it.
    chain = chain_at(f"{anvil_testnet.url}/{SECRET}")
    message = await error_of(chain, "get_block_number")
    assert SECRET not in message
    await chain.w3.provider.disconnect()  # type: ignore[attr-defined]


def test_scrub_removes_every_part_of_a_url_that_may_carry_a_key() -> None:
    url = f"https://user:{SECRET}@rpc.example/v3/{SECRET}?key={SECRET}"
    text = f"failed: {url} / path /v3/{SECRET} / query key={SECRET}"
    assert SECRET not in scrub(text, secret_fragments(url))


async def test_wrong_chain_is_refused_by_every_tool(anvil_polygon) -> None:
    chain = Chain(replace(settings.NETWORKS["testnet"], rpc_url=anvil_polygon.url))
    message = await error_of(chain, "get_balance", address="alice")
    assert "serves chain id 137, but testnet is chain id 31337" in message
    await chain.w3.provider.disconnect()  # type: ignore[attr-defined]
