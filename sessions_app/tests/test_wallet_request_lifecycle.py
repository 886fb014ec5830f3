"""A wallet request is a row with a status: opened pending by the agent, answered once by its
own session's page, replaced by a newer one, cancelled when its session ends; one pending
request per session, whatever the callers do."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sessions_app import manager
from sessions_app.models import ChatSession, ToolCall, WalletRequest
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db

ALICE = Owner(session_key="alice-browser")
MALLORY = Owner(session_key="mallory-browser")
TX = {"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "to": "0xbeef", "value": "0x1"}


def prepare(chat_session: ChatSession, description: str = "Send 1 wei") -> WalletRequest | None:
    call = ToolCall.objects.create(
        chat_session=chat_session, network="polygon", tool="prepare_transaction"
    )
    return WalletRequest.open(chat_session.pk, call, description=description, transaction=TX)


@pytest.fixture
def alices_chat() -> ChatSession:
    return manager.create_chat_session(ALICE)


@pytest.fixture
def mallorys_chat() -> ChatSession:
    return manager.create_chat_session(MALLORY)


def test_a_prepared_transaction_waits_pending_on_the_card(alices_chat):
    request = prepare(alices_chat)
    assert request is not None and request.status == "pending"
    assert request.tool_call is not None and request.network == "polygon"
    assert alices_chat.pending_wallet_request == request
    card = request.card()
    assert (card["request_id"], card["tx"], card["description"]) == (
        request.public_id,
        TX,
        "Send 1 wei",
    )


def test_a_newer_request_replaces_the_pending_one(alices_chat):
    first = prepare(alices_chat, "first")
    second = prepare(alices_chat, "second")
    assert first is not None and second is not None
    first.refresh_from_db()
    assert (first.status, second.status) == ("replaced", "pending")
    assert alices_chat.pending_wallet_request == second
    assert WalletRequest.answer(alices_chat.pk, first.public_id, "sent") is None


def test_only_the_first_answer_changes_it(alices_chat):
    request = prepare(alices_chat)
    assert request is not None
    sent = WalletRequest.answer(alices_chat.pk, request.public_id, "sent", tx_hash="0x" + "a" * 64)
    assert sent is not None and (sent.status, sent.tx_hash) == ("sent", "0x" + "a" * 64)
    assert sent.answered_at is not None
    assert WalletRequest.answer(alices_chat.pk, request.public_id, "rejected") is None
    request.refresh_from_db()
    assert request.status == "sent" and alices_chat.pending_wallet_request is None


def test_mallory_cannot_answer_alices_request(alices_chat, mallorys_chat):
    request = prepare(alices_chat)
    assert request is not None
    assert WalletRequest.answer(mallorys_chat.pk, request.public_id, "rejected") is None
    request.refresh_from_db()
    assert request.status == "pending"


def test_an_ended_session_gets_no_request_and_cancels_its_pending_one(alices_chat):
    request = prepare(alices_chat)
    manager.close(alices_chat)
    assert request is not None
    request.refresh_from_db()
    assert (request.status, request.answered_at is not None) == ("cancelled", True)
    assert prepare(alices_chat) is None
    assert WalletRequest.answer(alices_chat.pk, request.public_id, "sent") is None


def test_the_database_holds_one_pending_request_per_session(alices_chat):
    WalletRequest.objects.create(chat_session=alices_chat, network="polygon")
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletRequest.objects.create(chat_session=alices_chat, network="polygon")
    WalletRequest.objects.create(chat_session=alices_chat, network="polygon", status="sent")
    assert alices_chat.wallet_requests.count() == 2


def test_a_list_of_sessions_reads_their_pending_requests_in_one_query(
    django_assert_num_queries,
):
    chats = [manager.create_chat_session(ALICE) for _ in range(3)]
    for chat in chats[:2]:
        prepare(chat)
    with django_assert_num_queries(2):  # the sessions, then their pending requests
        listed = list(ChatSession.objects.for_owner(ALICE).with_pending_wallet_request())
        pending = [chat.pending_wallet_request for chat in listed]
    assert sorted(request is not None for request in pending) == [False, True, True]
