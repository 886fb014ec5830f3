"""The local testnet's starting kit: tokens, Uniswap V3 with liquidity and an ETH/USD feed.

On an Anvil node (the testnet of `make run`, compose and the tests) the first tool call of a
server process installs, once per chain:
- WETH9, a 6-decimal USDC and an 18-decimal DAI (contracts/kit/*.sol; only the Faucet mints);
- Uniswap V3 as Uniswap compiled it (factory, SwapRouter, QuoterV2, NonfungiblePositionManager),
  with full-range pools WETH/USDC and WETH/DAI (0.3%) and USDC/DAI (0.05%) at ETH = $3,000;
- a Chainlink-style ETH/USD feed (MockV3Aggregator, 8 decimals).

Every address is fixed: each step is a transaction of one deployer (impersonated, it has no key)
at a fixed nonce, so the contracts land where `get_create_address(DEPLOYER, nonce)` says, on any
Anvil. A second process racing the first fails on the nonce and waits; one that finds the
deployer part-way resumes from its nonce. The node's accounts and, on first use, every owner's
derived account (testnet_accounts.py) get USDC, DAI and WETH from the Faucet; their ETH stays.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import eth_abi
from eth_typing import ChecksumAddress
from eth_utils import keccak, to_checksum_address
from web3.types import Nonce
from web3.utils.address import get_create_address

from mcp_servers.abi import parse_signature
from mcp_servers.accounts import DEV_ACCOUNT_NAMES

if TYPE_CHECKING:
    from web3 import AsyncWeb3

log = logging.getLogger(__name__)

KIT_JSON = Path(__file__).resolve().parent / "contracts" / "testnet_kit.json"
# An address nobody holds a key for (the hash of a phrase): Anvil impersonates it.
DEPLOYER = to_checksum_address(keccak(b"evm-chat testnet kit deployer")[12:])
DEPLOYER_BALANCE = 10**6 * 10**18
ETH_USD = 3_000
FEED_DECIMALS = 8
NEVER = 2**32 - 1  # the deadline of the set-up's own Uniswap calls
INSTALL_WAIT = 60.0  # how long an install may take, however many servers share it
NONCE_TAKEN_AFTER = 1.0  # seconds a nonce stays past ours with no receipt of ours
# Each step's gas limit: the largest steps (NonfungiblePositionManager's deployment, and a pool's
# creation inside createAndInitializePoolIfNecessary) use about 5.5M; only what is used is paid.
STEP_GAS = 12_000_000

# What each dev account is given; its ETH is its own (STARTING_BALANCE_WEI).
GIFT_USDC = 10_000 * 10**6
GIFT_DAI = 10_000 * 10**18
GIFT_WETH = 10 * 10**18


def _create_address(nonce: int) -> ChecksumAddress:
    return to_checksum_address(get_create_address(DEPLOYER, Nonce(nonce)))


FAUCET = _create_address(0)
USDC = _create_address(1)
DAI = _create_address(2)
WETH = _create_address(3)
UNISWAP_FACTORY = _create_address(5)
SWAP_ROUTER = _create_address(6)
QUOTER_V2 = _create_address(7)
POSITION_MANAGER = _create_address(8)
ETH_USD_FEED = _create_address(9)
DECIMALS = {USDC: 6, DAI: 18, WETH: 18}
# (token a, token b, fee in hundredths of a bip, amount of a, amount of b): full-range liquidity
POOLS: tuple[tuple[str, str, int, int, int], ...] = (
    (WETH, USDC, 3000, 1_000 * 10**18, 1_000 * ETH_USD * 10**6),
    (WETH, DAI, 3000, 1_000 * 10**18, 1_000 * ETH_USD * 10**18),
    (USDC, DAI, 500, 1_000_000 * 10**6, 1_000_000 * 10**18),
)
TICK_SPACING = {500: 10, 3000: 60, 10000: 200}
MAX_TICK = 887272


@cache
def artifacts() -> dict[str, dict[str, Any]]:
    """Name -> {"abi", "bytecode"} (contracts/build_kit.py builds the file)."""
    return dict(json.loads(KIT_JSON.read_text()))


def abi(name: str) -> list[dict[str, Any]]:
    return list(artifacts()[name]["abi"])


def call(signature: str, *args: Any) -> str:
    """Calldata for ``signature`` ("fund(address,uint256,uint256)") with ``args``."""
    parsed = parse_signature(signature)
    return "0x" + (parsed.selector + eth_abi.encode(list(parsed.inputs), list(args))).hex()


def deployment(name: str, types: list[str] | None = None, *args: Any) -> str:
    return artifacts()[name]["bytecode"] + eth_abi.encode(types or [], list(args)).hex()


def sorted_pair(a: str, b: str, amount_a: int, amount_b: int) -> tuple[str, str, int, int]:
    if int(a, 16) < int(b, 16):
        return a, b, amount_a, amount_b
    return b, a, amount_b, amount_a


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """The pool's starting price, token1 per token0 in base units, as Uniswap's Q64.96."""
    return math.isqrt(amount1 * 2**192 // amount0)


def pool_steps(a: str, b: str, fee: int, amount_a: int, amount_b: int) -> list[Step]:
    token0, token1, amount0, amount1 = sorted_pair(a, b, amount_a, amount_b)
    tick = MAX_TICK // TICK_SPACING[fee] * TICK_SPACING[fee]
    mint = (token0, token1, fee, -tick, tick, amount0, amount1, 0, 0, DEPLOYER, NEVER)
    mint_types = (
        "(address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256)"
    )
    return [
        Step(
            POSITION_MANAGER,
            call(
                "createAndInitializePoolIfNecessary(address,address,uint24,uint160)",
                token0,
                token1,
                fee,
                sqrt_price_x96(amount0, amount1),
            ),
        ),
        Step(POSITION_MANAGER, call(f"mint({mint_types})", mint)),
    ]


@dataclass(frozen=True)
class Step:
    to: str | None  # None: a deployment
    data: str
    value: int = 0

    # A fixed, ample gas limit: one the node estimated when the transaction arrived may have
    # been estimated before the step ahead of it (another server's) was mined, and run out.
    gas: int = STEP_GAS


def steps(node_accounts: list[ChecksumAddress]) -> list[Step]:
    """Every transaction of the install, in nonce order (the addresses above depend on it)."""
    liquidity_weth = sum(amount for a, _, _, amount, _ in POOLS if a == WETH)
    stables: dict[str, int] = {USDC: 0, DAI: 0}
    for a, b, _, amount_a, amount_b in POOLS:
        stables[a] = stables.get(a, 0) + amount_a
        stables[b] = stables.get(b, 0) + amount_b
    kit = [
        Step(None, deployment("Faucet")),
        Step(
            None,
            deployment(
                "KitToken", ["string", "string", "uint8", "address"], "USD Coin", "USDC", 6, FAUCET
            ),
        ),
        Step(
            None,
            deployment(
                "KitToken",
                ["string", "string", "uint8", "address"],
                "Dai Stablecoin",
                "DAI",
                18,
                FAUCET,
            ),
        ),
        Step(None, deployment("WETH9")),
        Step(FAUCET, call("setTokens(address,address,address)", USDC, DAI, WETH)),
        Step(None, deployment("UniswapV3Factory")),
        Step(None, deployment("SwapRouter", ["address", "address"], UNISWAP_FACTORY, WETH)),
        Step(None, deployment("QuoterV2", ["address", "address"], UNISWAP_FACTORY, WETH)),
        Step(
            None,
            deployment(
                "NonfungiblePositionManager",
                ["address", "address", "address"],
                UNISWAP_FACTORY,
                WETH,
                "0x" + "00" * 20,
            ),
        ),
        Step(
            None,
            deployment(
                "MockV3Aggregator", ["uint8", "int256"], FEED_DECIMALS, ETH_USD * 10**FEED_DECIMALS
            ),
        ),
        Step(
            FAUCET,
            call("fund(address,uint256,uint256)", DEPLOYER, stables[USDC], stables[DAI]),
            liquidity_weth,
        ),
        *[
            Step(token, call("approve(address,uint256)", POSITION_MANAGER, 2**256 - 1))
            for token in (WETH, USDC, DAI)
        ],
    ]
    for pool in POOLS:
        kit += pool_steps(*pool)
    return kit + [gift(account) for account in node_accounts]


def gift(account: str) -> Step:
    return Step(
        FAUCET, call("fund(address,uint256,uint256)", account, GIFT_USDC, GIFT_DAI), GIFT_WETH
    )


class Node:
    """The JSON-RPC calls the install makes, on the chain's own client."""

    def __init__(self, w3: AsyncWeb3) -> None:
        self.w3 = w3

    async def request(self, method: str, params: list[Any]) -> Any:
        answer = await self.w3.provider.make_request(method, params)
        if "error" in answer:
            raise KitError(f"{method}: {answer['error'].get('message', answer['error'])}")
        return answer.get("result")

    async def nonce(self, address: str) -> int:
        return int(await self.request("eth_getTransactionCount", [address, "latest"]), 16)

    async def send(self, sender: str, step: Step, nonce: int | None = None) -> None:
        tx: dict[str, Any] = {
            "from": sender, "data": step.data, "value": hex(step.value), "gas": hex(step.gas),
        }  # fmt: skip
        if step.to:
            tx["to"] = step.to
        if nonce is not None:
            tx["nonce"] = hex(nonce)
        tx_hash = await self.request("eth_sendTransaction", [tx])
        receipt = await self.receipt(tx_hash, sender, nonce)
        if int(receipt["status"], 16) != 1:
            raise StepReverted(f"step at nonce {nonce} reverted")

    async def receipt(self, tx_hash: str, sender: str, nonce: int | None) -> dict[str, Any]:
        """The receipt; KitError when another process's transaction took the nonce (Anvil
        replaced ours in its pool)."""
        deadline = time.monotonic() + INSTALL_WAIT
        taken_since: float | None = None
        while time.monotonic() < deadline:
            receipt = await self.request("eth_getTransactionReceipt", [tx_hash])
            if receipt:
                return dict(receipt)
            if nonce is not None and await self.nonce(sender) > nonce:
                # Under load Anvil counts a mined transaction a moment before its receipt
                # can be read: only a nonce taken for a while is another install's.
                taken_since = taken_since or time.monotonic()
                if time.monotonic() - taken_since > NONCE_TAKEN_AFTER:
                    raise KitError(f"nonce {nonce} was taken by another install")
            await asyncio.sleep(0.02)
        raise KitError(f"{tx_hash} was not mined")


class KitError(Exception):
    pass


class StepReverted(KitError):
    """A step was mined and failed: the kit on this chain lacks what it would have done."""


async def is_anvil(node: Node) -> bool:
    try:
        version = str(await node.request("web3_clientVersion", []))
    except KitError:  # it answered, with an error: not Anvil (no answer raises)
        return False
    return version.lower().startswith("anvil")


async def install(w3: AsyncWeb3) -> bool:
    """Install the kit on an Anvil node unless it is there; False on any other node."""
    node = Node(w3)
    if not await is_anvil(node):
        return False
    plan = steps(await node_accounts(node))
    if await node.nonce(DEPLOYER) >= len(plan):
        return True
    if not await node.request("anvil_getAutomine", []):
        # Started with --no-mining or a block time: 30 transactions would each wait for a
        # block (or forever). Such a chain has no kit; the tools say so where they need it.
        log.warning("The testnet node does not mine on its own; the testnet kit is not installed.")
        return False
    started = time.monotonic()
    await node.request("anvil_impersonateAccount", [DEPLOYER])
    await node.request("anvil_setBalance", [DEPLOYER, hex(DEPLOYER_BALANCE)])
    await run_steps(node, plan)
    # Anvil lists impersonated addresses among its accounts: the deployer leaves that list.
    await node.request("anvil_stopImpersonatingAccount", [DEPLOYER])
    log.info("Installed the testnet kit in %.2f s.", time.monotonic() - started)
    return True


async def run_steps(node: Node, plan: list[Step]) -> None:
    """Send the step the deployer's nonce is at, until none is left. Servers installing at once
    share the work: a step another one sent first fails here on its nonce, and the loop goes on
    from the nonce the chain then has (nobody waits for a server that stopped)."""
    deadline = time.monotonic() + INSTALL_WAIT
    while (nonce := await node.nonce(DEPLOYER)) < len(plan):
        if time.monotonic() > deadline:
            raise KitError("the testnet kit's install did not finish")
        try:
            await node.send(DEPLOYER, plan[nonce], nonce)
        except StepReverted as error:
            log.error("The testnet kit is incomplete on this chain: %s.", error)
        except KitError as error:
            log.info("Testnet kit step %s went elsewhere (%s).", nonce, error)
            await asyncio.sleep(0.02 + secrets.randbelow(50) / 1000)


async def node_accounts(node: Node) -> list[ChecksumAddress]:
    """The node's own accounts (alice … judy), without the addresses it impersonates, which
    Anvil lists after them."""
    accounts = [to_checksum_address(a) for a in await node.request("eth_accounts", [])]
    return [a for a in accounts if a != DEPLOYER][: len(DEV_ACCOUNT_NAMES)]


class Funder:
    """Gives derived accounts their tokens: one impersonated address per server process, so
    no two processes share its nonce; one gift at a time within the process."""

    def __init__(self) -> None:
        self.address = to_checksum_address("0x" + secrets.token_hex(20))
        self.lock = asyncio.Lock()
        self.ready = False

    async def give(self, w3: AsyncWeb3, account: str) -> None:
        node = Node(w3)
        async with self.lock:
            if not self.ready:
                await node.request("anvil_setBalance", [self.address, hex(DEPLOYER_BALANCE)])
                self.ready = True
            await node.request("anvil_impersonateAccount", [self.address])
            try:
                await node.send(self.address, gift(account))
            finally:
                await node.request("anvil_stopImpersonatingAccount", [self.address])
