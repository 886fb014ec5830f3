"""The local testnet comes with tokens, Uniswap V3 pools and an ETH/USD feed (testnet_kit.py),
at the same addresses on every Anvil, installed once however many servers start at once."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator

import environ
import eth_abi
import pytest

from chatproject.lib.networks import build_network_table
from chatproject.lib.tokens import tokens_on
from mcp_servers import testnet_accounts
from mcp_servers import testnet_kit as kit
from mcp_servers.caller import CALLER_OWNER
from mcp_servers.chain import Chain, make_web3
from mcp_servers.contracts import build_kit
from mcp_servers.tests.conftest import network_for
from testsupport.processes import Anvil, start_anvil

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_anvil() -> Iterator[Anvil]:
    anvil = start_anvil(chain_id=31337)
    yield anvil
    anvil.stop()


async def read_uint(w3, to: str, signature: str, *args) -> int:  # type: ignore[no-untyped-def]
    raw = await w3.eth.call({"to": to, "data": kit.call(signature, *args)})
    return int.from_bytes(bytes(raw)[:32], "big")


def test_the_committed_kit_is_what_npm_and_solc_build() -> None:
    assert build_kit.build() == json.loads(kit.KIT_JSON.read_text())


def test_the_token_list_names_the_kits_tokens() -> None:
    listed = {token.symbol: (token.address, token.decimals) for token in tokens_on("testnet")}
    assert listed == {
        "USDC": (kit.USDC, 6),
        "DAI": (kit.DAI, 18),
        "WETH": (kit.WETH, 18),
    }


async def test_three_servers_starting_at_once_install_one_kit(fresh_anvil: Anvil) -> None:
    clients = [make_web3(fresh_anvil.url, 10) for _ in range(3)]
    assert await asyncio.gather(*(kit.install(w3) for w3 in clients)) == [True, True, True]
    w3 = clients[0]
    nonce = await w3.eth.get_transaction_count(kit.DEPLOYER)
    assert nonce == len(kit.steps(await kit.node_accounts(kit.Node(w3))))
    for address in (kit.USDC, kit.DAI, kit.WETH, kit.UNISWAP_FACTORY, kit.SWAP_ROUTER,
                    kit.QUOTER_V2, kit.POSITION_MANAGER, kit.ETH_USD_FEED):  # fmt: skip
        assert await w3.eth.get_code(address), address
    assert await kit.install(w3)  # a later start finds it and sends nothing
    assert await w3.eth.get_transaction_count(kit.DEPLOYER) == nonce


async def test_pools_price_eth_near_the_feed(fresh_anvil: Anvil) -> None:
    w3 = make_web3(fresh_anvil.url, 10)
    await kit.install(w3)
    quote = kit.call(
        "quoteExactInputSingle((address,address,uint256,uint24,uint160))",
        (kit.WETH, kit.USDC, 10**18, 3000, 0),
    )
    out = eth_abi.decode(
        ["uint256"], bytes(await w3.eth.call({"to": kit.QUOTER_V2, "data": quote}))[:32]
    )[0]
    assert 2_980 * 10**6 < out < 3_000 * 10**6  # $3,000 less the 0.3% fee and a little impact
    round_data = await w3.eth.call({"to": kit.ETH_USD_FEED, "data": kit.call("latestRoundData()")})
    answer = eth_abi.decode(
        ["uint80", "int256", "uint256", "uint256", "uint80"], bytes(round_data)
    )[1]
    assert answer == 3_000 * 10**8


async def test_dev_accounts_hold_tokens_and_keep_their_eth(fresh_anvil: Anvil) -> None:
    w3 = make_web3(fresh_anvil.url, 10)
    await kit.install(w3)
    alice = (await w3.eth.accounts)[0]
    assert await read_uint(w3, kit.USDC, "balanceOf(address)", alice) == kit.GIFT_USDC
    assert await read_uint(w3, kit.DAI, "balanceOf(address)", alice) == kit.GIFT_DAI
    assert await read_uint(w3, kit.WETH, "balanceOf(address)", alice) == kit.GIFT_WETH
    assert await w3.eth.get_balance(alice) == 10_000 * 10**18
    assert await w3.eth.get_transaction_count(alice) == 0


async def test_an_install_cut_short_is_finished_by_the_next_server(fresh_anvil: Anvil) -> None:
    w3 = make_web3(fresh_anvil.url, 10)
    node = kit.Node(w3)
    await node.request("anvil_impersonateAccount", [kit.DEPLOYER])
    await node.request("anvil_setBalance", [kit.DEPLOYER, hex(kit.DEPLOYER_BALANCE)])
    plan = kit.steps(await kit.node_accounts(node))
    for nonce in range(4):  # the first server stopped after WETH
        await node.send(kit.DEPLOYER, plan[nonce], nonce)
    assert await kit.install(w3)
    assert await w3.eth.get_transaction_count(kit.DEPLOYER) == len(plan)
    assert await w3.eth.get_code(kit.QUOTER_V2)


async def test_an_owners_own_alice_gets_tokens_on_first_use(fresh_anvil: Anvil, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TESTNET_ACCOUNTS = testnet_accounts.PER_OWNER
    chain = Chain(network_for("testnet", fresh_anvil.url), timeout=10)
    token = CALLER_OWNER.set("owner-kit-test")
    try:
        alice = await chain.resolve_address("alice")
    finally:
        CALLER_OWNER.reset(token)
    assert alice != (await chain.w3.eth.accounts)[0]  # not the node's own alice
    assert await read_uint(chain.w3, kit.USDC, "balanceOf(address)", alice) == kit.GIFT_USDC
    assert await read_uint(chain.w3, kit.WETH, "balanceOf(address)", alice) == kit.GIFT_WETH
    assert await chain.w3.eth.get_balance(alice) == testnet_accounts.STARTING_BALANCE_WEI


async def test_a_node_that_is_not_anvil_gets_no_kit(fresh_anvil: Anvil) -> None:
    class NotAnvil(kit.Node):
        async def request(self, method, params):  # type: ignore[no-untyped-def]
            if method == "web3_clientVersion":
                raise kit.KitError("method not found")
            return await super().request(method, params)

    assert not await kit.is_anvil(NotAnvil(make_web3(fresh_anvil.url, 10)))


def test_the_network_table_names_the_kits_uniswap_and_feed() -> None:
    testnet = build_network_table(environ.Env())["testnet"]
    assert testnet.uniswap is not None
    assert testnet.uniswap.factory == kit.UNISWAP_FACTORY
    assert testnet.uniswap.quoter_v2 == kit.QUOTER_V2
    assert testnet.uniswap.router == kit.SWAP_ROUTER
    feed = testnet.feed_for("ETH")
    assert feed is not None and feed.address == kit.ETH_USD_FEED
    assert feed.decimals == kit.FEED_DECIMALS and feed.heartbeat == 86_400


async def test_a_node_that_does_not_mine_on_its_own_gets_no_kit_and_no_wait() -> None:
    anvil = start_anvil(chain_id=31337, extra=["--no-mining"])
    w3 = make_web3(anvil.url, 10)
    try:
        assert not await asyncio.wait_for(kit.install(w3), timeout=5)
        assert await w3.eth.get_transaction_count(kit.DEPLOYER) == 0
    finally:
        await w3.provider.disconnect()  # type: ignore[attr-defined]
        anvil.stop()


async def pools_with_liquidity(w3) -> list[bool]:  # type: ignore[no-untyped-def]
    found = []
    for a, b, fee, _, _ in kit.POOLS:
        token0, token1, _, _ = kit.sorted_pair(a, b, 0, 0)
        raw = await w3.eth.call(
            {"to": kit.UNISWAP_FACTORY,
             "data": kit.call("getPool(address,address,uint24)", token0, token1, fee)}
        )  # fmt: skip
        pool = "0x" + bytes(raw)[12:32].hex()
        found.append(await read_uint(w3, w3.to_checksum_address(pool), "liquidity()") > 0)
    return found


async def test_servers_racing_with_uneven_timing_still_fill_every_pool(
    fresh_anvil: Anvil, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three installs whose steps leave at random moments (as busy servers' do): every step
    lands once, in order, with the gas it needs, and every pool has its liquidity."""
    send = kit.Node.send

    async def jittered(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(random.random() * 0.03)
        return await send(self, *args, **kwargs)

    monkeypatch.setattr(kit.Node, "send", jittered)
    clients = [make_web3(fresh_anvil.url, 10) for _ in range(3)]
    assert await asyncio.gather(*(kit.install(w3) for w3 in clients)) == [True, True, True]
    assert await pools_with_liquidity(clients[0]) == [True, True, True]
