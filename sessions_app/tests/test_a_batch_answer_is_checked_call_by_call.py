"""Issue 30: a swap is two transactions (an exact approval, then the swap) answered from one
card, and the answer is checked step by step before the agent hears of it.

Against the session's polygon Anvil (chain 137, a non-dev network) and its runmcp: alice's
calls are sent for real from Anvil's unlocked dev account, so every hash below is a mined
transaction. Accepted: one hash per call, in order, each the prepared one; or one atomic batch
(EIP-5792 through EIP-7702: alice's own account runs the calls) that is hers, mined without
reverting, and carries every call's recipient and data in order. Refused as mismatched: the
hashes in the wrong order, a step missing, bob's transactions, bob's batch, a batch that
reverted, a batch with the steps swapped, an older batch of the same calls, a hash too many.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from eth_abi import encode

from sessions_app import wallet_checks
from sessions_app.models import ChatSession, Message, WalletRequest
from sessions_app.tests.agent_support import (
    make_browser,
    of_type,
    open_socket,
    point_network,
    receive_until,
)
from testsupport.browsers import Browser

pytestmark = pytest.mark.django_db(transaction=True)

USDC = "0x000000000000000000000000000000000000A0B1"  # the token's address (no code: any data runs)
ROUTER = "0x000000000000000000000000000000000000E592"  # the swap router's
EXACT_1000_USDC = 1_000 * 10**6
APPROVE = "0x095ea7b3" + encode(["address", "uint256"], [ROUTER, EXACT_1000_USDC]).hex()
SWAP = "0x04e45aaf" + encode(["address", "address", "uint256"], [USDC, ROUTER, 7]).hex()
# A batch executor's entry point, as EIP-7702 delegates have it: execute((to, value, data)[]).
EXECUTE = "0x3f707e6b"
# Creation code of a contract whose every call reverts (runtime 60006000fd: REVERT(0, 0)).
ALWAYS_REVERTS = "0x6460006000fd6000526005601bf3"


@pytest.fixture
def accounts(anvil_polygon) -> list[str]:
    return anvil_polygon.rpc("eth_accounts")


@pytest.fixture
def alice(transactional_db, settings, mcp_polygon) -> Browser:
    point_network(settings, "polygon", mcp_polygon.url)
    return make_browser("alice")


@pytest.fixture
def alice_chat(alice: Browser) -> ChatSession:
    return alice.new_chat()


def swap_calls(anvil, sender: str, first_nonce: int | None = None) -> list[dict[str, Any]]:
    """The approval then the swap, as prepare_swap hands them to the wallet."""
    if first_nonce is None:
        first_nonce = int(anvil.rpc("eth_getTransactionCount", sender, "pending"), 16)
    steps = [(USDC, APPROVE), (ROUTER, SWAP)]
    return [
        {
            "from": sender,
            "to": to,
            "value": "0x0",
            "data": data,
            "gas": hex(100_000),
            "nonce": hex(first_nonce + offset),
            "chainId": "0x89",
            "type": "0x2",
        }
        for offset, (to, data) in enumerate(steps)
    ]


def send(anvil, call: dict[str, Any], **changes: Any) -> str:
    """What the wallet sends for one step: its fields, ``changes`` applied."""
    fields = {k: call[k] for k in ("from", "to", "value", "data", "nonce", "gas")} | changes
    return anvil.rpc("eth_sendTransaction", fields)


def send_batch(anvil, sender: str, calls: list[dict[str, Any]], to: str = "", **extra) -> str:
    """One transaction running ``calls``: sent to the sender's own account (EIP-7702)."""
    tuples = [
        (call["to"], int(call["value"], 16), bytes.fromhex(call["data"][2:])) for call in calls
    ]
    data = EXECUTE + encode(["(address,uint256,bytes)[]"], [tuples]).hex()
    fields = {"from": sender, "to": to or sender, "data": data, "gas": hex(300_000)} | extra
    return anvil.rpc("eth_sendTransaction", fields)


async def verdict_on(chat: ChatSession, calls: list[dict[str, Any]], hashes: list[str]):
    request = WalletRequest(network="polygon", transaction=calls[-1], calls=calls)
    return await wallet_checks.judge(
        request, chat, "sent", tx_hash="", signature="", reason="", tx_hashes=hashes
    )


async def test_alices_two_transactions_in_order_are_accepted(alice_chat, accounts, anvil_polygon):
    calls = swap_calls(anvil_polygon, accounts[0])
    hashes = [send(anvil_polygon, call) for call in calls]
    verdict = await verdict_on(alice_chat, calls, hashes)
    assert verdict.status == "sent", verdict.sentence
    assert verdict.outcome == {"tx_hash": hashes[1], "tx_hashes": hashes}
    assert hashes[0] in verdict.sentence and hashes[1] in verdict.sentence


async def test_the_same_hashes_in_the_wrong_order_are_refused(alice_chat, accounts, anvil_polygon):
    calls = swap_calls(anvil_polygon, accounts[0])
    approval, swap = (send(anvil_polygon, call) for call in calls)
    verdict = await verdict_on(alice_chat, calls, [swap, approval])
    assert verdict.status == "mismatched"
    assert "did not match the prepared transaction" in verdict.sentence


@pytest.mark.parametrize("kept", [0, 1])
async def test_one_step_alone_is_refused(alice_chat, accounts, anvil_polygon, kept):
    calls = swap_calls(anvil_polygon, accounts[0])
    hashes = [send(anvil_polygon, call) for call in calls]
    verdict = await verdict_on(alice_chat, calls, [hashes[kept]])
    assert verdict.status == "mismatched"


async def test_bobs_transactions_of_the_same_calls_are_refused(alice_chat, accounts, anvil_polygon):
    alice, bob = accounts[0], accounts[1]
    calls = swap_calls(anvil_polygon, alice)
    bobs = [send(anvil_polygon, step) for step in swap_calls(anvil_polygon, bob)]
    assert (await verdict_on(alice_chat, calls, bobs)).status == "mismatched"
    approval = send(anvil_polygon, calls[0])
    mixed = await verdict_on(alice_chat, calls, [approval, bobs[1]])
    assert mixed.status == "mismatched"


async def test_a_hash_too_many_is_refused_without_looking_anything_up(
    alice_chat, accounts, anvil_polygon
):
    calls = swap_calls(anvil_polygon, accounts[0])
    made_up = ["0x" + "ab" * 32, "0x" + "cd" * 32, "0x" + "ef" * 32]
    verdict = await verdict_on(alice_chat, calls, made_up)
    assert verdict.status == "mismatched"


async def test_alices_atomic_batch_of_both_steps_is_accepted(alice_chat, accounts, anvil_polygon):
    alice = accounts[0]
    calls = swap_calls(anvil_polygon, alice)
    batch = send_batch(anvil_polygon, alice, calls)
    verdict = await verdict_on(alice_chat, calls, [batch])
    assert verdict.status == "sent", verdict.sentence
    assert verdict.outcome == {"tx_hash": batch, "tx_hashes": [batch]}
    assert "as one transaction" in verdict.sentence


async def test_a_batch_with_the_steps_swapped_is_refused(alice_chat, accounts, anvil_polygon):
    alice = accounts[0]
    calls = swap_calls(anvil_polygon, alice)
    batch = send_batch(anvil_polygon, alice, list(reversed(calls)))
    assert (await verdict_on(alice_chat, calls, [batch])).status == "mismatched"


async def test_bobs_batch_of_alices_calls_is_refused(alice_chat, accounts, anvil_polygon):
    alice, bob = accounts[0], accounts[1]
    calls = swap_calls(anvil_polygon, alice)
    batch = send_batch(anvil_polygon, bob, calls)
    assert (await verdict_on(alice_chat, calls, [batch])).status == "mismatched"


async def test_a_batch_that_reverted_is_refused(alice_chat, accounts, anvil_polygon):
    alice = accounts[0]
    deployed = send_deployment(anvil_polygon, alice, ALWAYS_REVERTS)
    calls = swap_calls(anvil_polygon, alice)
    batch = send_batch(anvil_polygon, alice, calls, to=deployed)
    assert anvil_polygon.receipt(batch)["status"] == "0x0"  # mined, and nothing of it happened
    assert (await verdict_on(alice_chat, calls, [batch])).status == "mismatched"


async def test_an_older_batch_of_the_same_calls_is_refused(alice_chat, accounts, anvil_polygon):
    alice = accounts[0]
    older = send_batch(anvil_polygon, alice, swap_calls(anvil_polygon, alice))
    calls = swap_calls(anvil_polygon, alice)  # prepared again, at the next nonce
    assert (await verdict_on(alice_chat, calls, [older])).status == "mismatched"


def send_deployment(anvil, sender: str, creation_code: str) -> str:
    tx_hash = anvil.rpc("eth_sendTransaction", {"from": sender, "data": creation_code})
    return anvil.receipt(tx_hash)["contractAddress"]


async def test_the_pages_answer_with_both_hashes_is_recorded_and_told_to_the_agent(
    alice, alice_chat, accounts, anvil_polygon
):
    chat = alice_chat
    calls = swap_calls(anvil_polygon, accounts[0])
    request = await database_sync_to_async(WalletRequest.objects.create)(
        chat_session=chat, network="polygon", transaction=calls[-1], calls=calls
    )
    assert request.card()["calls"] == calls and request.card()["tx"] == calls[-1]
    hashes = [send(anvil_polygon, call) for call in calls]
    socket, _ = await open_socket(alice, chat.public_id)
    answer = {"type": "wallet.result", "request_id": request.public_id, "status": "sent"}
    await socket.send_json_to(answer | {"tx_hashes": hashes, "tx_hash": hashes[-1]})
    seen = await receive_until(socket, "turn.complete")
    created = [event["message"] for event in of_type(seen, "message.created")]
    outcome = next(message for message in created if message["role"] == Message.Role.SYSTEM)
    assert outcome["metadata"]["wallet_status"] == "sent"
    assert outcome["metadata"]["tx_hashes"] == hashes
    assert outcome["metadata"]["tx_hash"] == hashes[-1]
    stored = await database_sync_to_async(WalletRequest.objects.get)(pk=request.pk)
    assert (stored.status, stored.tx_hash, stored.tx_hashes) == ("sent", hashes[-1], hashes)
    await socket.disconnect()
