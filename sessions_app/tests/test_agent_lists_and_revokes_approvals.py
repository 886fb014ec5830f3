"""The builtin agent on a real Anvil and runmcp: "what has grace approved?" and "what have I
approved?" (the connected wallet) list the live approvals with get_approvals; "revoke bob on
0x…token from grace" takes one back on the testnet, and on polygon the same request becomes a
wallet request for the connected wallet to sign."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from web3 import HTTPProvider, Web3

from mcp_servers.tests.conftest import ALICE, BOB, deploy_token, token_contract, transact
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)

pytestmark = pytest.mark.django_db(transaction=True)

MAX_UINT256 = 2**256 - 1


@pytest.fixture
async def socket(
    transactional_db, settings, anvil_testnet, mcp_testnet, anvil_polygon, mcp_polygon
):
    point_network(settings, "testnet", mcp_testnet.url)
    point_network(settings, "polygon", mcp_polygon.url)
    grace = await database_sync_to_async(make_browser)("grace")
    chat = await database_sync_to_async(grace.new_chat)()
    socket, _ = await open_socket(grace, chat.public_id)
    yield socket
    await socket.disconnect()


def approved_token(rpc_url: str, deployer: str) -> tuple[Any, str]:
    """A fresh TestToken on which grace (the node's account 6) allowed bob without limit."""
    w3 = Web3(HTTPProvider(rpc_url))
    grace = list(w3.eth.accounts)[6]
    token = token_contract(w3, deploy_token(w3, deployer, "Grace Token", "GRT"))
    transact(w3, token.functions.approve(BOB, MAX_UINT256), grace)
    return token, grace


def tools_of(seen) -> list[str]:
    return [call["tool"] for call in of_type(seen, "tool.call")]


async def test_what_grace_and_i_approved_is_listed_and_a_revoke_takes_it_back(
    socket, anvil_testnet
):
    token, grace = await database_sync_to_async(approved_token)(anvil_testnet.url, ALICE)

    seen = await ask(socket, f"what has grace approved on {token.address}?")
    assert tools_of(seen) == ["get_approvals"], answer_text(seen)
    assert of_type(seen, "tool.call")[0]["arguments"] == {"owner": "grace", "token": token.address}
    answer = answer_text(seen)
    assert "bob (0x" in answer and "unlimited amount of GRT" in answer, answer

    seen = await ask(socket, "what have I approved?", wallet=grace)
    assert tools_of(seen) == ["get_approvals"], answer_text(seen)
    assert of_type(seen, "tool.call")[0]["arguments"] == {"owner": grace}
    assert "unlimited amount of GRT" in answer_text(seen)

    seen = await ask(socket, f"revoke bob on {token.address} from grace")
    assert tools_of(seen) == ["send_revoke_approval"], answer_text(seen)
    assert of_type(seen, "tool.result")[0]["ok"] is True, answer_text(seen)
    assert token.functions.allowance(grace, BOB).call() == 0
    seen = await ask(socket, f"what has grace approved on {token.address}?")
    assert "no live approvals" in answer_text(seen)


async def test_on_polygon_a_revoke_is_handed_to_the_wallet(socket, anvil_polygon):
    deployer = list(Web3(HTTPProvider(anvil_polygon.url)).eth.accounts)[6]
    token, grace = await database_sync_to_async(approved_token)(anvil_polygon.url, deployer)

    seen = await ask(socket, f"revoke {BOB} on {token.address}", network="polygon", wallet=grace)

    assert tools_of(seen) == ["prepare_revoke_approval"], answer_text(seen)
    call = of_type(seen, "tool.call")[0]["arguments"]
    assert call == {"from_address": grace, "token": token.address, "spender": BOB}
    request = of_type(seen, "wallet.request")[0]
    assert request["tx"]["to"] == token.address
    assert request["summary"]["kind"] == "revoke_approval"
    assert token.functions.allowance(grace, BOB).call() == MAX_UINT256
