"""The testnet's named accounts per owner (mcp_servers/testnet_accounts.py): the same owner
always gets the same ten addresses, another owner or another secret other ones; a call without
an owner, or the shared mode, names Anvil's own accounts."""

from __future__ import annotations

from typing import Any

from mcp_servers.chain import Chain
from mcp_servers.server import run_tool
from mcp_servers.testnet_accounts import accounts_of
from mcp_servers.tests.conftest import ALICE
from mcp_servers.tools import TOOL_SPECS


async def balance_of_alice(chain: Chain, owner: str) -> dict[str, Any]:
    spec = next(spec for spec in TOOL_SPECS if spec.name == "get_balance")
    result = await run_tool(spec, chain, {"address": "alice"}, "a-chat", owner)
    assert not result.is_error, result.content
    return dict(result.structured_content or {})


async def test_each_owner_has_a_funded_alice_of_their_own(chain: Chain, settings: Any) -> None:
    settings.TESTNET_ACCOUNTS = "per_owner"
    carols = await balance_of_alice(chain, "carol-browser")
    daves = await balance_of_alice(chain, "dave-browser")
    assert carols["address"] == accounts_of("carol-browser")[0] != daves["address"]
    assert ALICE not in (carols["address"], daves["address"])
    assert carols["balance_wei"] == str(10_000 * 10**18)
    assert (await balance_of_alice(chain, "carol-browser"))["address"] == carols["address"]


async def test_without_an_owner_or_in_shared_mode_alice_is_anvils(
    chain: Chain, settings: Any
) -> None:
    settings.TESTNET_ACCOUNTS = "per_owner"
    assert (await balance_of_alice(chain, ""))["address"] == ALICE
    settings.TESTNET_ACCOUNTS = "shared"
    assert (await balance_of_alice(chain, "carol-browser"))["address"] == ALICE


def test_the_accounts_depend_on_the_server_secret(settings: Any) -> None:
    settings.TESTNET_ACCOUNTS_SECRET = "one secret"
    first = accounts_of("carol-browser")
    settings.TESTNET_ACCOUNTS_SECRET = "another secret"
    assert accounts_of("carol-browser") != first
    assert len(set(first)) == 10
