"""The builtin agent's token operations on a real Anvil and runmcp: "send 1.5 <token> from alice
to bob" moves 1.5 units of a 6-decimal TestToken, approvals (amount, unlimited, revoke) show in
the token's allowance, and a signed message handed back by the wallet needs no receipt."""

from __future__ import annotations

import secrets

import pytest
from channels.db import database_sync_to_async
from web3 import HTTPProvider, Web3

from mcp_servers.tests.conftest import (
    ALICE,
    BOB,
    SOURCES,
    TOKEN_DECIMALS,
    contract_at,
    deploy,
    deploy_token,
    transact,
)
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    receive_until,
)
from testsupport import local_http
from testsupport.solidity import compile_sources

pytestmark = pytest.mark.django_db(transaction=True)

CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
DAVE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
ALLOWANCE_ABI = [
    {
        "name": name,
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": f"a{i}", "type": "address"} for i in range(count)],
        "outputs": [{"name": "", "type": "uint256"}],
    }
    for name, count in (("balanceOf", 1), ("allowance", 2))
]


@pytest.fixture(scope="module")
def token(anvil_testnet) -> str:
    """A 6-decimal TestToken on the testnet; alice (its deployer) holds the whole supply."""
    assert TOKEN_DECIMALS == 6
    return deploy_token(Web3(HTTPProvider(anvil_testnet.url)), ALICE)


@pytest.fixture
def erc20(anvil_testnet, token):
    return Web3(HTTPProvider(anvil_testnet.url)).eth.contract(address=token, abi=ALLOWANCE_ABI)


@pytest.fixture
async def socket(
    transactional_db, settings, anvil_testnet, mcp_testnet, anvil_polygon, mcp_polygon
):
    point_network(settings, "testnet", mcp_testnet.url)
    point_network(settings, "polygon", mcp_polygon.url)
    bob = await database_sync_to_async(make_browser)("bob")
    chat = await database_sync_to_async(bob.new_chat)()
    socket, _ = await open_socket(bob, chat.public_id)
    yield socket
    await socket.disconnect()


def tools_of(seen) -> list[str]:
    return [call["tool"] for call in of_type(seen, "tool.call")]


async def test_sending_one_and_a_half_tokens_moves_one_and_a_half_units(socket, token, erc20):
    before = erc20.functions.balanceOf(BOB).call()
    seen = await ask(socket, f"send 1.5 {token} from alice to bob")
    assert tools_of(seen) == ["send_token_transfer"]
    call = of_type(seen, "tool.call")[0]
    assert call["arguments"]["amount"] == "1.5" and call["arguments"]["token"] == token
    assert of_type(seen, "tool.result")[0]["ok"] is True, answer_text(seen)
    assert erc20.functions.balanceOf(BOB).call() - before == 1_500_000
    sent_hash = of_type(seen, "tool.result")[0]["result"]["tx_hash"]
    seen = await ask(socket, "its receipt")  # the follow-up finds the token transfer
    assert tools_of(seen) == ["get_transaction_receipt"]
    assert of_type(seen, "tool.call")[0]["arguments"]["tx_hash"] == sent_hash
    assert of_type(seen, "tool.result")[0]["ok"] is True


async def test_an_approval_shows_in_the_allowance_and_a_revoke_clears_it(socket, token, erc20):
    seen = await ask(socket, f"approve 10 {token} for carol from alice")
    assert tools_of(seen) == ["send_token_approval"], answer_text(seen)
    assert erc20.functions.allowance(ALICE, CAROL).call() == 10 * 10**6

    seen = await ask(socket, f"allowance of carol for {token} from alice")
    assert tools_of(seen) == ["get_token_allowance"]
    assert of_type(seen, "tool.result")[0]["ok"] is True and "10" in answer_text(seen)

    await ask(socket, f"approve unlimited {token} for carol from alice")
    assert erc20.functions.allowance(ALICE, CAROL).call() == 2**256 - 1
    seen = await ask(socket, f"revoke the {token} approval for carol from alice")
    assert tools_of(seen) == ["send_token_approval"]
    assert erc20.functions.allowance(ALICE, CAROL).call() == 0


async def test_recent_transfers_list_the_token_transfer(socket, token):
    await ask(socket, f"send 2 {token} from alice to bob")
    seen = await ask(socket, "recent transfers of bob")
    assert tools_of(seen) == ["get_token_transfers"]
    result = of_type(seen, "tool.result")[0]
    assert result["ok"] is True and "no token transfers" not in answer_text(seen)


async def test_a_refused_token_request_calls_no_tool(socket, token, erc20):
    before = erc20.functions.balanceOf(BOB).call()
    seen = await ask(socket, f"send 1.5 {token} from alice to bob and then swap it")
    assert tools_of(seen) == [] and "swap" in answer_text(seen)
    seen = await ask(socket, "sign 'hi' as mallory")
    assert tools_of(seen) == [] and "mallory" in answer_text(seen)
    assert erc20.functions.balanceOf(BOB).call() == before


async def test_what_nfts_someone_owns_says_what_it_cannot_list(socket):
    # A fresh address: the session's chain is shared with the worker's other modules, some of
    # which give alice NFTs before this runs.
    nobody = "0x" + secrets.token_hex(20)
    seen = await ask(socket, f"what NFTs does {nobody} own")
    assert tools_of(seen) == ["get_token_transfers"]
    answer = answer_text(seen)
    assert "received no NFT" in answer and "I can't list NFTs received before" in answer


async def test_nfts_someone_received_and_still_holds_are_listed(socket, anvil_testnet):
    w3 = Web3(HTTPProvider(anvil_testnet.url))
    artifact = compile_sources(*SOURCES)["TestNFT"]
    cats = deploy(w3, artifact, ALICE, "Test Cats", "CAT")
    contract = contract_at(w3, artifact, cats)
    for token_id in (7, 8):
        transact(w3, contract.functions.mint(DAVE, token_id, "data:,cat"), ALICE)
    transact(w3, contract.functions.transferFrom(DAVE, CAROL, 8), DAVE)

    seen = await ask(socket, "what NFTs does dave own")
    assert tools_of(seen) == ["get_token_transfers"]
    answer = answer_text(seen)
    assert f"token 7 of {cats}" in answer and f"token 8 of {cats}" not in answer
    seen = await ask(socket, f"NFTs of dave in {cats}")
    assert tools_of(seen) == ["get_nft_balance"] and of_type(seen, "tool.result")[0]["ok"]


async def test_a_signed_message_from_the_wallet_is_not_looked_up_as_a_transaction(
    socket, anvil_polygon
):
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_accounts", "params": []}
    wallet = local_http.post(anvil_polygon.url, json=body, timeout=10).json()["result"][0]
    seen = await ask(socket, "sign the message 'gm'", network="polygon", wallet=wallet)
    assert tools_of(seen) == ["sign_message"], answer_text(seen)
    request = of_type(seen, "wallet.request")[0]
    assert request["sign"]["method"] == "personal_sign"
    # The wallet (played by the node) signs as the signer the request named.
    sign = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "eth_sign",
        "params": [wallet, request["sign"]["params"][0]],
    }
    signature = local_http.post(anvil_polygon.url, json=sign, timeout=10).json()["result"]
    await socket.send_json_to(
        {
            "type": "wallet.result",
            "request_id": request["request_id"],
            "status": "sent",
            "signature": signature,
        }
    )
    after = await receive_until(socket, "turn.complete")
    assert tools_of(after) == []
    assert "signed the message" in answer_text(after) and signature in answer_text(after)
