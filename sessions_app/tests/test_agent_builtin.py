"""The builtin agent against a real runmcp testnet server on Anvil: every phrase family."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.models import ToolCall
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
    shown_status,
    stored_message,
)

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = (
    "0x70997970c51812dc3a0b8cc0ac3e0a7bb29b9d1a"  # any address works; lower case skips the checksum
)


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    return make_browser("alice")


@pytest.fixture
async def socket(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    yield socket
    await socket.disconnect()


@pytest.fixture(scope="module")
def deployed_contract(anvil_testnet):
    """A tiny contract whose runtime code returns 42 for any call."""
    runtime = "602a60005260206000f3"  # PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
    init = "69" + runtime + "600052600a6016f3"
    tx = {"from": ALICE, "data": "0x" + init}
    tx_hash = anvil_testnet.rpc("eth_sendTransaction", tx)
    return anvil_testnet.receipt(tx_hash)["contractAddress"], tx_hash


@pytest.mark.parametrize(
    "phrase, tool",
    [
        ("What is the balance of alice?", "get_balance"),
        (f"balance of {BOB}", "get_balance"),
        ("how much ETH does carol have", "get_balance"),
        ("bob's balance please", "get_balance"),
        ("what's the block number?", "get_block_number"),
        ("show me the latest block", "get_block"),
        ("block 0", "get_block"),
        ("gas price", "get_gas_price"),
        ("network info", "get_network_info"),
        ("which chain is this?", "get_network_info"),
        (f"is {ALICE} a contract?", "get_code"),
    ],
)
async def test_read_phrase_calls_its_tool_and_answers_from_it(socket, phrase, tool):
    seen = await ask(socket, phrase)
    calls = of_type(seen, "tool.call")
    results = of_type(seen, "tool.result")
    assert [c["tool"] for c in calls] == [tool]
    assert results[0]["ok"] is True, results
    assert results[0]["text"] and results[0]["text"] in answer_text(seen)
    assert of_type(seen, "turn.complete")[0]["html"]


async def test_send_eth_moves_it_on_chain(socket, anvil_testnet):
    dave = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    before = int(anvil_testnet.rpc("eth_getBalance", dave, "latest"), 16)
    seen = await ask(socket, "send 1.5 ETH from alice to dave")
    assert [c["tool"] for c in of_type(seen, "tool.call")] == ["send_transaction"]
    assert of_type(seen, "tool.result")[0]["ok"] is True
    after = int(anvil_testnet.rpc("eth_getBalance", dave, "latest"), 16)
    assert after - before == 15 * 10**17


async def test_send_wei_to_an_address(socket, anvil_testnet):
    target = "0x000000000000000000000000000000000000dEaD"
    before = int(anvil_testnet.rpc("eth_getBalance", target, "latest"), 16)
    await ask(socket, f"transfer 1234 wei from bob to {target}")
    assert int(anvil_testnet.rpc("eth_getBalance", target, "latest"), 16) - before == 1234


async def test_transaction_and_receipt_by_hash(socket, deployed_contract):
    _, tx_hash = deployed_contract
    seen = await ask(socket, f"show transaction {tx_hash}")
    assert of_type(seen, "tool.call")[0]["tool"] == "get_transaction"
    assert of_type(seen, "tool.result")[0]["ok"]
    seen = await ask(socket, f"get the receipt for {tx_hash}")
    assert of_type(seen, "tool.call")[0]["tool"] == "get_transaction_receipt"
    assert of_type(seen, "tool.result")[0]["ok"]


async def test_code_at_a_contract(socket, deployed_contract):
    address, _ = deployed_contract
    seen = await ask(socket, f"code at {address}")
    assert of_type(seen, "tool.call")[0]["tool"] == "get_code"
    assert of_type(seen, "tool.result")[0]["ok"]


async def test_call_function_by_signature(socket, deployed_contract):
    address, _ = deployed_contract
    seen = await ask(socket, f"call balanceOf(address)(uint256) on {address} with {BOB}")
    call = of_type(seen, "tool.call")[0]
    assert call["tool"] == "call_contract"
    assert call["arguments"]["args"] == [BOB]
    result = of_type(seen, "tool.result")[0]
    assert result["ok"], result
    assert "42" in answer_text(seen)


async def test_token_info_and_balance_of_a_non_token_fail_plainly(socket, deployed_contract):
    """The contract answers 42 to everything, so it is no ERC-20: the tools say so or decode 42."""
    address, _ = deployed_contract
    seen = await ask(socket, f"token info for {address}")
    assert of_type(seen, "tool.call")[0]["tool"] == "get_token_info"
    seen = await ask(socket, f"token balance of bob in {address}")
    call = of_type(seen, "tool.call")[0]
    assert call["tool"] == "get_token_balance"
    assert call["arguments"] == {"token": address, "address": "bob"}
    assert answer_text(seen)


async def test_tool_failure_is_said_plainly(socket):
    seen = await ask(socket, "receipt for 0x" + "ab" * 32)
    result = of_type(seen, "tool.result")[0]
    assert result["ok"] is False
    assert "failed" in answer_text(seen)


async def test_not_understood_is_said_plainly_without_tools(socket):
    seen = await ask(socket, "sing me a song about gas")
    assert not of_type(seen, "tool.call")
    assert "did not understand" in answer_text(seen)


async def test_help_lists_send_on_dev_network(socket):
    text = answer_text(await ask(socket, "help"))
    assert "send 1 ETH from alice to bob" in text


async def test_everything_shown_is_recorded(socket):
    seen = await ask(socket, "balance of alice")
    complete = of_type(seen, "turn.complete")[0]
    message = await stored_message(complete["message_id"])
    assert message.content == answer_text(seen)
    assert shown_status(message) == ""
    call = await database_sync_to_async(ToolCall.objects.get)(message=message)
    assert call.call_id == of_type(seen, "tool.call")[0]["call_id"]
    assert call.result["ok"] is True
