"""The LLM providers get the token, NFT, log and signing tools from the MCP server's list, a
tool_use of get_token_allowance runs on the real testnet server, and on polygon a
prepare_token_transfer or a sign_message becomes a wallet.request that carries what the card
decodes (token, amount in units, recipient, the policy's verdict) or the signature request."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from web3 import HTTPProvider, Web3

from mcp_servers.tests.conftest import SOURCES
from sessions_app.models import Message
from sessions_app.tests.agent_support import (
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    receive_until,
)
from sessions_app.tests.fake_llm import Reply
from testsupport import local_http
from testsupport.solidity import compile_sources

pytestmark = pytest.mark.django_db(transaction=True)

NEW_TOOLS = {"get_token_allowance", "get_portfolio", "get_logs", "get_nft_owner", "sign_message"}


def deploy_token(rpc_url: str, symbol: str) -> tuple[str, str]:
    """A 6-decimal token (TestToken.sol, compiled here) owned by the node's first account."""
    artifact = compile_sources(*SOURCES)["TestToken"]
    w3 = Web3(HTTPProvider(rpc_url))
    owner = w3.eth.accounts[0]
    contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = contract.constructor("Wallet Dollar", symbol, 6, 10**12).transact({"from": owner})
    return str(w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]), owner


def use_fake(settings, fake, provider: str) -> None:
    settings.AGENT_PROVIDER = provider
    settings.ANTHROPIC_API_KEY = settings.OPENAI_API_KEY = "test-key"
    settings.ANTHROPIC_BASE_URL = fake.anthropic_url
    settings.OPENAI_BASE_URL = fake.openai_url


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_a_tool_use_of_get_token_allowance_runs(
    provider, settings, fake, transactional_db, anvil_testnet, mcp_testnet
):
    point_network(settings, "testnet", mcp_testnet.url)
    use_fake(settings, fake, provider)
    token, _ = await database_sync_to_async(deploy_token)(anvil_testnet.url, "WUSD")
    fake.replies = [
        Reply(
            tool="get_token_allowance",
            arguments={"token": token, "owner": "alice", "spender": "bob"},
        ),
        Reply(text="Bob may spend nothing."),
    ]
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, "how much WUSD may bob spend for alice?")
    await socket.disconnect()
    result = of_type(seen, "tool.result")[0]
    assert result["ok"] is True and result["result"]["allowance_formatted"] == "0"
    tools = fake.requests[0]["tools"]
    names = {t["name"] if provider == "anthropic" else t["function"]["name"] for t in tools}
    assert NEW_TOOLS <= names


@pytest.fixture
async def polygon_socket(settings, fake, transactional_db, anvil_polygon, mcp_polygon):
    point_network(settings, "polygon", mcp_polygon.url)
    use_fake(settings, fake, "openai")
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


async def test_a_prepared_token_transfer_reaches_the_card_decoded(
    polygon_socket, fake, anvil_polygon
):
    token, wallet = await database_sync_to_async(deploy_token)(anvil_polygon.url, "PWD")
    bob = "0x000000000000000000000000000000000000bEEF"
    arguments = {"token": token, "from_address": wallet, "to": bob, "amount": "2.5"}
    fake.replies = [
        Reply(tool="prepare_token_transfer", arguments=arguments),
        Reply(text="Approve it."),
    ]
    seen = await ask(polygon_socket, "send 2.5 PWD to 0x…bEEF", network="polygon", wallet=wallet)
    request = of_type(seen, "wallet.request")[0]
    summary = request["summary"]
    assert summary["kind"] == "token_transfer" and summary["amount"] == "2.5"
    assert summary["symbol"] == "PWD" and summary["recipient"] == bob
    assert summary["policy"]["verdict"] == "allowed"
    assert request["tx"]["to"] == token and request["tx"]["data"].startswith("0xa9059cbb")


async def test_a_message_signature_goes_through_the_wallet_request_flow(
    polygon_socket, fake, anvil_polygon
):
    wallet = local_http.post(
        anvil_polygon.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_accounts", "params": []}
    ).json()["result"][0]
    fake.replies = [
        Reply(tool="sign_message", arguments={"from_address": wallet, "message": "I agree"}),
        Reply(text="Please sign."),
        Reply(text="Thanks, signed."),
    ]
    seen = await ask(polygon_socket, "sign 'I agree'", network="polygon", wallet=wallet)
    request = of_type(seen, "wallet.request")[0]
    assert request["tx"] is None
    assert request["sign"]["method"] == "personal_sign"
    assert request["summary"]["message"] == "I agree"
    # The page's wallet signs (played here by the node) and answers with the signature.
    message_hex = request["sign"]["params"][0]
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_sign", "params": [wallet, message_hex]}
    signature = local_http.post(anvil_polygon.url, json=body).json()["result"]
    await polygon_socket.send_json_to(
        {
            "type": "wallet.result",
            "request_id": request["request_id"],
            "status": "sent",
            "signature": signature,
        }
    )
    await receive_until(polygon_socket, "turn.complete")
    stored = await database_sync_to_async(
        lambda: Message.objects.filter(metadata__kind="wallet_result").latest("seq")
    )()
    assert stored.metadata["signature"] == signature
    assert stored.content == f"Wallet: the user signed the message; signature {signature}."
