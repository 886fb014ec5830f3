"""Share a chat read-only by link: the page shows the chat as it was when shared, with tool
calls and explorer links, and nothing of its owner; only the owner shares or unshares, and an
unshared link answers 404 like a wrong one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sessions_app.models import ChatSession, Message, SharedChat, ToolCall, WalletRequest
from sessions_app.tests.agent_support import make_browser

pytestmark = pytest.mark.django_db

TX = "0x" + "ab" * 32
WALLET = "0x00000000000000000000000000000000000A11cE"


def conversation(chat: ChatSession) -> None:
    """Alice asks, the agent sends on polygon (a tx hash), and a wallet request is pending."""
    chat.add_message("user", "send 1 POL to bob", {"network": "polygon", "wallet": WALLET})
    answer = chat.add_message("assistant", "Sent **1 POL** to bob.")
    ToolCall.objects.create(
        chat_session=chat,
        message=answer,
        call_id="call_1",
        network="polygon",
        tool="get_transaction",
        arguments={"tx_hash": TX},
        result={"ok": True, "text": "found", "data": {"tx_hash": TX, "status": "success"}},
    )
    WalletRequest.objects.create(
        chat_session=chat, network="polygon", description="Approve the secret-pending-thing"
    )


def share(browser, chat_id: str):
    return browser.client().post(f"/api/sessions/{chat_id}/share")


def test_the_shared_page_shows_the_chat_as_shared_without_its_owner():
    alice = make_browser("alice")
    chat = alice.new_chat()
    conversation(chat)
    response = share(alice, chat.public_id)
    assert response.status_code == 200
    url = response.json()["url"]
    chat.add_message("user", "a later question, not shared")

    page = alice.client().get(url)  # anyone with the link: no cookie needed either
    stranger = make_browser("mallory").client().get(url)
    html = page.content.decode()
    assert page.status_code == stranger.status_code == 200
    assert "send 1 POL to bob" in html and "<strong>1 POL</strong>" in html
    assert "get_transaction" in html and f"https://polygonscan.com/tx/{TX}" in html
    assert "a later question" not in html
    assert chat.public_id not in html and alice.session_key not in html
    assert WALLET.lower() not in html.lower() and "secret-pending-thing" not in html
    assert chat.owner_key not in html and "csrf" not in html.lower()
    assert '<meta name="robots" content="noindex' in html
    assert page["X-Robots-Tag"].startswith("noindex")


def test_the_link_is_unguessable_and_not_the_chat_id():
    alice = make_browser("alice")
    chat = alice.new_chat()
    url = share(alice, chat.public_id).json()["url"]
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43 and chat.public_id not in url


def test_sharing_again_keeps_the_link_and_shows_the_chat_as_it_is_now():
    alice = make_browser("alice")
    chat = alice.new_chat()
    first = share(alice, chat.public_id).json()["url"]
    chat.add_message("user", "written after the first share")
    again = share(alice, chat.public_id).json()["url"]
    assert again == first
    assert "written after the first share" in alice.client().get(again).content.decode()


def test_unsharing_makes_the_link_answer_404_like_a_wrong_one():
    alice = make_browser("alice")
    chat = alice.new_chat()
    conversation(chat)
    url = share(alice, chat.public_id).json()["url"]
    unshared = alice.client().post(f"/api/sessions/{chat.public_id}/unshare")
    assert unshared.status_code == 200 and unshared.json() == {"unshared": True}
    gone = alice.client().get(url)
    wrong = alice.client().get(url[:-4] + "AAAA")
    assert gone.status_code == wrong.status_code == 404
    assert gone.content == wrong.content and "send 1 POL" not in gone.content.decode()
    assert gone["X-Robots-Tag"].startswith("noindex")
    # Sharing again makes a new link; the old one stays dead.
    new = share(alice, chat.public_id).json()["url"]
    assert new != url and alice.client().get(url).status_code == 404


@pytest.mark.parametrize("action", ["share", "unshare"])
def test_a_foreign_chat_answers_like_an_unknown_one(action):
    alice, mallory = make_browser("alice"), make_browser("mallory")
    chat = alice.new_chat()
    share(alice, chat.public_id)
    foreign = mallory.client().post(f"/api/sessions/{chat.public_id}/{action}")
    unknown = mallory.client().post(f"/api/sessions/{'x' * 32}/{action}")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    assert foreign.json()["error"]["code"] == "session_not_found"
    assert SharedChat.objects.live().filter(chat_session=chat).count() == 1


def test_a_message_taken_out_after_sharing_still_shows_on_the_link():
    alice = make_browser("alice")
    chat = alice.new_chat()
    chat.add_message("user", "the question as first asked")
    url = share(alice, chat.public_id).json()["url"]
    Message.objects.filter(chat_session=chat).update(superseded_at=timezone.now())
    assert "the question as first asked" in alice.client().get(url).content.decode()
