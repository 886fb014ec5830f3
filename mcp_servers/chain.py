"""One network's chain connection, shared by every tool of a server process.

It owns the AsyncWeb3 client (a keep-alive HTTP session per event loop, rpc_sessions.py;
a timeout on every call, no retries), turns user input into addresses and block
identifiers, and checks once that the RPC serves the chain id the network table expects.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any, cast

import aiohttp
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils import is_checksum_address, to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.types import BlockIdentifier

from chatproject.lib.networks import Network
from mcp_servers import testnet_accounts, testnet_kit
from mcp_servers.accounts import DEV_ACCOUNT_NAMES, dev_account_index
from mcp_servers.errors import ToolFailure, secret_fragments
from mcp_servers.rpc_sessions import use_one_session_per_loop
from mcp_servers.testnet_accounts import STARTING_BALANCE_WEI
from mcp_servers.units import short_address

ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
BLOCK_TAGS = ("latest", "earliest", "pending", "safe", "finalized")
log = logging.getLogger(__name__)
ENS_REGISTRY = to_checksum_address("0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e")


def make_web3(rpc_url: str, timeout: float) -> AsyncWeb3:
    provider = AsyncHTTPProvider(
        rpc_url,
        request_kwargs={"timeout": aiohttp.ClientTimeout(total=timeout)},
        exception_retry_configuration=None,  # a dead RPC should fail fast, not back off
    )
    # CCIP-Read (EIP-3668) lets a contract name a URL for the server to fetch during eth_call:
    # a call a contract chooses never leaves this process (mcp_servers/tests/test_no_ccip_read.py).
    provider.global_ccip_read_enabled = False
    use_one_session_per_loop(provider)
    w3 = AsyncWeb3(provider)
    # web3's validation middleware asks the node for eth_chainId before (and after) every
    # eth_call, eth_estimateGas and eth_sendTransaction: three round trips for one read.
    # Chain.ready() checks the chain id once per process instead.
    w3.middleware_onion.remove("validation")
    return w3


@dataclass
class Chain:
    network: Network
    timeout: float = 10.0
    allow_wrong_chain: bool = False
    w3: AsyncWeb3 = field(init=False, repr=False)
    secrets: list[str] = field(init=False, repr=False)
    _chain_checked: bool = field(default=False, init=False, repr=False)
    _dev_accounts: list[ChecksumAddress] | None = field(default=None, init=False, repr=False)
    _ready_accounts: set[str] = field(default_factory=set, init=False, repr=False)
    _has_ens: bool | None = field(default=None, init=False, repr=False)
    _kit: asyncio.Task[bool] | None = field(default=None, init=False, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.network.rpc_url:
            raise ToolFailure(f"{self.network.name} has no RPC URL ({self.network.rpc_env}).")
        self.w3 = make_web3(self.network.rpc_url, self.timeout)
        self.secrets = secret_fragments(self.network.rpc_url)

    @property
    def name(self) -> str:
        return self.network.name

    @property
    def currency(self) -> str:
        return self.network.currency

    async def ready(self) -> AsyncWeb3:
        """The client, after a one-time check that the RPC serves the expected chain."""
        if not self._chain_checked:
            actual = await self.w3.eth.chain_id
            if actual != self.network.chain_id and not self.allow_wrong_chain:
                raise ToolFailure(wrong_chain_message(self.network, actual))
            self._chain_checked = True
        if self.network.dev:
            await self.kit_installed()
        return self.w3

    def start_kit(self) -> asyncio.Task[bool]:
        """The kit's install, started unless it runs or succeeded (the task is kept here)."""
        if self._kit is None or not usable(self._kit):
            self._kit = asyncio.ensure_future(testnet_kit.install(self.w3))
        return self._kit

    async def kit_installed(self) -> bool:
        """Whether the testnet kit (testnet_kit.py) is on this dev chain; installs it once per
        process. A node that is not Anvil has none; a failed install is logged, not fatal."""
        try:
            return await asyncio.shield(self.start_kit())
        except Exception as error:  # the next call tries again
            log.error("The testnet kit could not be installed: %s", error)
            return False

    async def resolve_address(self, value: str, what: str = "address") -> ChecksumAddress:
        """A 0x address, a named dev account (dev networks) or an ENS name -> checksum address."""
        text = value.strip()
        if ADDRESS_RE.match(text):
            return checked_address(text, what)
        index = dev_account_index(text)
        if index is not None:
            return await self.dev_account(text, index)
        if "." in text and " " not in text:
            return await self.ens_address(text)
        hint = ", an ENS name or a dev account name (alice, bob, …)" if self.network.dev else ""
        hint = hint or " or an ENS name"
        raise ToolFailure(
            f"That is not a valid {what}: give 0x followed by 40 hex characters{hint}."
        )

    async def dev_account(self, name: str, index: int) -> ChecksumAddress:
        if not self.network.dev:
            raise ToolFailure(
                f"Named accounts like {name!r} exist only on dev networks; "
                f"on {self.name} give a 0x address."
            )
        accounts = await self.dev_accounts()
        if index >= len(accounts):
            raise ToolFailure(f"The {self.name} node has no dev account {name!r}.")
        await self.ready_dev_account(accounts[index])
        return accounts[index]

    async def dev_accounts(self) -> list[ChecksumAddress]:
        """alice … judy: the caller's own accounts (testnet_accounts.py), else the node's
        unlocked accounts (fetched once)."""
        owner = testnet_accounts.current_owner()
        if owner:
            return testnet_accounts.accounts_of(owner)
        if self._dev_accounts is None:
            w3 = await self.ready()
            self._dev_accounts = [to_checksum_address(a) for a in await w3.eth.accounts]
        return self._dev_accounts

    def local_signer(self, address: str) -> LocalAccount | None:
        """The caller's derived account behind ``address``, which signs in this process."""
        owner = testnet_accounts.current_owner()
        return testnet_accounts.local_account(owner, address) if owner else None

    async def ready_dev_account(self, address: ChecksumAddress) -> None:
        """A derived account is funded on first use and impersonated, so the node sends for it;
        the node's own accounts need nothing."""
        if address in self._ready_accounts or self.local_signer(address) is None:
            return
        w3 = await self.ready()
        balance, nonce = await asyncio.gather(
            w3.eth.get_balance(address), w3.eth.get_transaction_count(address)
        )
        if balance == 0 and nonce == 0:
            await self.node_request("anvil_setBalance", [address, hex(STARTING_BALANCE_WEI)])
            if await self.kit_installed():
                funder = self.cache.setdefault("kit_funder", testnet_kit.Funder())
                await funder.give(w3, address)
        await self.node_request("anvil_impersonateAccount", [address])
        self._ready_accounts.add(address)

    async def node_request(self, method: str, params: list[Any]) -> Any:
        answer = await self.w3.provider.make_request(method, params)
        if "error" in answer:
            raise ToolFailure(f"The {self.name} node refused to set up the dev account.")
        return answer.get("result")

    async def label(self, address: str) -> str:
        """ "alice (0xf39F…2266)" for dev accounts, the short address otherwise."""
        accounts = await self.dev_accounts() if self.network.dev else []
        index = accounts.index(cast(ChecksumAddress, address)) if address in accounts else -1
        if 0 <= index < len(DEV_ACCOUNT_NAMES):
            return f"{DEV_ACCOUNT_NAMES[index]} ({short_address(address)})"
        return short_address(address)

    async def require_ens(self) -> None:
        if self._has_ens is None:
            w3 = await self.ready()
            self._has_ens = len(await w3.eth.get_code(ENS_REGISTRY)) > 0
        if not self._has_ens:
            raise ToolFailure(
                f"ENS lives on mainnet: the ENS registry is not deployed on {self.name}. "
                "Ask on mainnet, or on a testnet that the server runs as a fork of mainnet."
            )

    async def ens_address(self, name: str) -> ChecksumAddress:
        await self.require_ens()
        address = await self.w3.ens.address(name)  # type: ignore[union-attr]
        if not address:
            raise ToolFailure("That ENS name does not resolve to an address.")
        return to_checksum_address(address)

    async def block_identifier(self, block: str | int | None) -> BlockIdentifier:
        """ "latest", a tag, a number (int or decimal/hex string) or a 66-char block hash."""
        if block is None:
            return "latest"
        if isinstance(block, int):
            return await self.checked_block_number(block)
        text = block.strip().lower()
        if text in BLOCK_TAGS or HASH_RE.match(text):
            return cast(BlockIdentifier, text)
        try:
            number = int(text, 16) if text.startswith("0x") else int(text)
        except ValueError:
            raise ToolFailure(
                "The block must be 'latest', a block number or a 0x block hash."
            ) from None
        return await self.checked_block_number(number)

    async def checked_block_number(self, number: int) -> int:
        if number < 0:
            raise ToolFailure("Block numbers cannot be negative.")
        w3 = await self.ready()
        latest = await w3.eth.block_number
        if number > latest:
            raise ToolFailure(
                f"That block does not exist yet on {self.name}; the latest block is {latest}."
            )
        return number


def usable(task: asyncio.Task[bool]) -> bool:
    """A task that succeeded, or is still running on this event loop."""
    if not task.done():
        return task.get_loop() is asyncio.get_running_loop()
    return not task.cancelled() and task.exception() is None


def checked_address(text: str, what: str = "address") -> ChecksumAddress:
    """Accept all-lower/all-upper hex or a correct EIP-55 checksum; refuse a wrong checksum."""
    body = text[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(text):
        raise ToolFailure(
            f"The {what} has an invalid checksum (mixed case that does not match EIP-55); "
            "check it for typos, or give it in all lower case."
        )
    return to_checksum_address(text)


def wrong_chain_message(network: Network, actual: int) -> str:
    return (
        f"The RPC for {network.name} serves chain id {actual}, but {network.name} is chain id "
        f"{network.chain_id}; refusing to serve the wrong chain."
    )
