"""The chat-session admin: list, search, filters, detail, the expire action, and who may see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions_app import manager, turns
from sessions_app.models import ChatSession, ToolCall, WalletRequest
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:chat_chatsession_changelist")


def change_url(chat_session: ChatSession) -> str:
    return reverse("admin:chat_chatsession_change", args=[chat_session.pk])


@pytest.fixture
def alices_chat() -> ChatSession:
    chat = manager.create_chat_session(Owner(session_key="alice-browser-key"), "testnet")
    chat.add_message("user", "what is the balance of alice?")
    reply = chat.add_message("assistant", "alice holds 10000 ETH")
    ToolCall.objects.create(
        chat_session=chat,
        message=reply,
        network="testnet",
        tool="get_balance",
        arguments={"address": "alice"},
        result={"eth": "10000"},
        duration_ms=12,
    )
    return chat


@pytest.fixture
def bobs_chat(django_user_model) -> ChatSession:
    bob = django_user_model.objects.create_user("bob", password="bob-pw-123")
    chat = manager.create_chat_session(
        Owner(session_key="bob-browser-key", user_id=bob.pk), "polygon"
    )
    chat.add_message("user", "gas price on polygon")
    chat.add_message("user", "and the block number, polygon again")
    return chat


def listed(response) -> list[ChatSession]:
    return list(response.context["cl"].result_list)


def test_changelist_shows_counts_owner_and_short_id(admin_client, alices_chat, bobs_chat):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    rows = {row.pk: row for row in listed(response)}
    assert (rows[alices_chat.pk].message_total, rows[alices_chat.pk].tool_call_total) == (2, 1)
    assert (rows[bobs_chat.pk].message_total, rows[bobs_chat.pk].tool_call_total) == (2, 0)
    page = response.content.decode()
    assert alices_chat.short_id in page and alices_chat.public_id not in page
    # The browser's key is a credential: never shown, not even a prefix (tests/abuse).
    assert "bob" in page and "anonymous browser" in page and "alice-br" not in page


def test_search_by_id_finds_the_session(admin_client, alices_chat, bobs_chat):
    response = admin_client.get(CHANGELIST, {"q": bobs_chat.public_id[:12]})
    assert listed(response) == [bobs_chat]


def test_search_by_message_text_lists_each_session_once(admin_client, alices_chat, bobs_chat):
    response = admin_client.get(CHANGELIST, {"q": "polygon"})  # two of bob's messages match
    assert listed(response) == [bobs_chat]
    assert response.context["cl"].result_count == 1
    assert listed(response)[0].message_total == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"network": "polygon"}, "bobs"), ({"status__exact": "expired"}, "alices")],
)
def test_filters_by_network_and_status(admin_client, alices_chat, bobs_chat, params, expected):
    manager.expire(alices_chat)
    response = admin_client.get(CHANGELIST, params)
    assert listed(response) == [{"alices": alices_chat, "bobs": bobs_chat}[expected]]


def test_detail_shows_messages_in_order_and_tool_calls(admin_client, alices_chat):
    page = admin_client.get(change_url(alices_chat)).content.decode()
    question = page.index("what is the balance of alice?")
    answer = page.index("alice holds 10000 ETH")
    assert question < answer
    assert "get_balance" in page


def test_detail_and_list_show_the_wallet_requests_and_their_status(admin_client, alices_chat):
    WalletRequest.objects.create(
        chat_session=alices_chat, network="polygon", status="rejected", reason="too much gas"
    )
    pending = WalletRequest.objects.create(chat_session=alices_chat, network="polygon")
    page = admin_client.get(change_url(alices_chat)).content.decode()
    assert pending.public_id in page and "too much gas" in page and "Rejected" in page
    listing = admin_client.get(
        reverse("admin:chat_walletrequest_changelist"), {"status": "pending"}
    )
    assert [row.pk for row in listing.context["cl"].result_list] == [pending.pk]


def test_expired_session_still_shows_its_messages(admin_client, alices_chat):
    manager.expire(alices_chat)
    response = admin_client.get(change_url(alices_chat))
    assert response.status_code == 200
    assert "alice holds 10000 ETH" in response.content.decode()


def test_expire_action_ends_sessions_and_clears_their_turn_state(
    admin_client, alices_chat, bobs_chat
):
    WalletRequest.objects.create(chat_session=alices_chat, network="polygon")
    turns.store(alices_chat, "user", "a question whose turn runs", {"network": "testnet"})
    assert alices_chat.processing
    response = admin_client.post(
        CHANGELIST,
        {"action": "expire_selected", "_selected_action": [alices_chat.pk]},
        follow=True,
    )
    assert "Expired 1 session(s)." in response.content.decode()
    alices_chat.refresh_from_db()
    bobs_chat.refresh_from_db()
    assert alices_chat.wallet_requests.get().status == "cancelled"
    assert (alices_chat.status, alices_chat.processing, alices_chat.pending_wallet_request) == (
        "expired",
        False,
        None,
    )
    assert bobs_chat.status == "active"


def test_sessions_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:chat_chatsession_add")).status_code == 403


@pytest.mark.parametrize(
    "url_name", ["admin:chat_chatsession_changelist", "admin:chat_message_changelist"]
)
def test_anonymous_visitor_is_sent_to_login(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_logged_in_non_staff_user_is_refused(client, django_user_model, alices_chat):
    alice = django_user_model.objects.create_user("alice", password="alice-pw-123")
    client.force_login(alice)
    for url in [CHANGELIST, change_url(alices_chat)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    refused = client.post(
        CHANGELIST, {"action": "expire_selected", "_selected_action": [alices_chat.pk]}
    )
    assert refused.status_code == 302
    alices_chat.refresh_from_db()
    assert alices_chat.status == "active"
