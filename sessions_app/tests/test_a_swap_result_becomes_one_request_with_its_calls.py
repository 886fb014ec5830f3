"""Issue 30: prepare_swap's result (``calls``: the exact approval, then the swap) becomes one
wallet request that carries every call to the card; a single ``transaction`` result stays
exactly as before, and a ``calls`` that is not a list of transactions is not taken as one."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from sessions_app import manager
from sessions_app.agent.context import _open_wallet_request, wallet_instruction
from sessions_app.agent.tools import ToolOutcome
from sessions_app.models import ChatSession, ToolCall, WalletRequest
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
APPROVAL = {"from": ALICE, "to": "0xa0b1", "value": "0x0", "data": "0x095ea7b3", "nonce": "0x4"}
SWAP = {"from": ALICE, "to": "0xe592", "value": "0x0", "data": "0x04e45aaf", "nonce": "0x5"}
SUMMARY = {"kind": "swap", "action": "Swap 1,000 USDC for at least 0.31 WETH"}


@pytest.fixture
def alices_chat() -> ChatSession:
    return manager.create_chat_session(Owner(session_key="alice-browser"))


async def opened(chat: ChatSession, structured: dict[str, Any]) -> WalletRequest:
    create = database_sync_to_async(ToolCall.objects.create)
    row = await create(chat_session=chat, network="polygon", tool="prepare_swap")
    outcome = ToolOutcome(True, {"network": "polygon", **structured}, "Prepared a swap.", 5)
    request = await _open_wallet_request(chat.pk, row, outcome)
    assert request is not None
    return request


async def test_a_swaps_two_calls_go_to_the_card_in_order(alices_chat):
    structured = {"kind": "swap", "calls": [APPROVAL, SWAP], "transaction": SWAP}
    request = await opened(alices_chat, structured | {"summary": SUMMARY})
    assert (request.calls, request.transaction) == ([APPROVAL, SWAP], SWAP)
    card = request.card()
    assert (card["calls"], card["tx"], card["summary"]) == ([APPROVAL, SWAP], SWAP, SUMMARY)
    stored = await database_sync_to_async(WalletRequest.objects.get)(pk=request.pk)
    assert stored.calls == [APPROVAL, SWAP]


async def test_calls_without_a_transaction_show_the_last_as_the_transaction(alices_chat):
    request = await opened(alices_chat, {"calls": [APPROVAL, SWAP]})
    assert request.transaction == SWAP


async def test_one_call_is_a_request_with_one_call(alices_chat):
    request = await opened(alices_chat, {"calls": [SWAP], "transaction": SWAP})
    assert request.card()["calls"] == [SWAP]


async def test_a_single_transaction_result_is_as_before(alices_chat):
    request = await opened(alices_chat, {"transaction": SWAP})
    assert request.calls is None and "calls" not in request.card()


@pytest.mark.parametrize("calls", [[], [SWAP, "0xdeadbeef"], {"0": SWAP}, "calls"])
async def test_calls_that_are_not_transactions_are_not_taken(alices_chat, calls):
    request = await opened(alices_chat, {"calls": calls, "transaction": SWAP})
    assert request.calls is None and request.transaction == SWAP


def test_the_person_is_told_one_approve_sends_every_step():
    assert "one Approve asks your browser wallet to sign and send all 2 transactions" in (
        wallet_instruction(False, 2)
    )
    assert "sign and send it." in wallet_instruction(False, 1)
