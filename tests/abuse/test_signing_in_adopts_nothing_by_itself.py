"""Signing in asks before it adopts this browser's chats (issue 27, finding 16: every
anonymous chat of the browser, pending wallet requests included, silently joined the account
at login). Now login moves nothing; the browser's own "keep" answer moves its chats, never one
waiting for a wallet answer, and no other browser can make that answer for it."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_app.models import ChatSession, WalletRequest

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


@pytest.fixture
def alice_account(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pass-phrase-1")


def start_chat(browser: Client) -> ChatSession:
    response = browser.post("/api/sessions", {}, content_type="application/json")
    chat = ChatSession.objects.get(public_id=response.json()["session"]["id"])
    chat.add_message("user", "send 1 ETH to bob")
    return chat


def owners(*chats: ChatSession) -> list[int | None]:
    return [ChatSession.objects.get(pk=chat.pk).user_id for chat in chats]


def sign_in(browser: Client, path: str = "/accounts/login/") -> None:
    response = browser.post(path, {"username": "alice", "password": "alice-pass-phrase-1"})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_logging_in_adopts_nothing_by_itself(alice_account, path):
    alice_account.is_staff = True
    alice_account.save()
    laptop = Client()
    chat = start_chat(laptop)
    key_before = chat.owner_key
    sign_in(laptop, path)
    assert owners(chat) == [None]
    assert ChatSession.objects.get(pk=chat.pk).owner_key == key_before
    assert laptop.get("/api/chats").json()["chats"] == []


def test_signing_up_adopts_nothing_by_itself():
    laptop = Client()
    chat = start_chat(laptop)
    password = "a-long-pass-phrase-7"
    form = {"username": "dave", "password1": password, "password2": password}
    assert laptop.post("/accounts/signup/", form).status_code == 302
    assert owners(chat) == [None]


def test_keep_moves_this_browsers_chats_but_never_one_waiting_for_the_wallet(alice_account):
    laptop, carols = Client(), Client()
    plain, waiting = start_chat(laptop), start_chat(laptop)
    WalletRequest.objects.create(chat_session=waiting, network="polygon")
    carols_chat = start_chat(carols)
    sign_in(laptop)
    page = laptop.get("/").content.decode()
    assert "This browser has 1 chat from before you signed in" in page
    assert "1 chat is waiting for a wallet answer" in page and "stays out of your account" in page
    answer = laptop.post("/accounts/adopt/", {"choice": "keep"}, headers=JSON)
    assert answer.json() == {"adopted": 1, "held": 1}
    assert owners(plain, waiting, carols_chat) == [alice_account.pk, None, None]
    listed = {chat["id"] for chat in laptop.get("/api/chats").json()["chats"]}
    assert listed == {plain.public_id}


def test_another_browser_cannot_adopt_them(alice_account, django_user_model):
    laptop = Client()
    chat = start_chat(laptop)
    sign_in(laptop)
    anonymous = Client()
    refused = anonymous.post("/accounts/adopt/", {"choice": "keep"}, headers=JSON)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_signed_in"
    django_user_model.objects.create_user("mallory", password="mallory-pass-phrase-1")
    mallory = Client()
    mallory.post("/accounts/login/", {"username": "mallory", "password": "mallory-pass-phrase-1"})
    answer = mallory.post("/accounts/adopt/", {"choice": "keep"}, headers=JSON)
    assert answer.json() == {"adopted": 0, "held": 0}
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = laptop.cookies  # alice's own cookie, but a cross-site form without the token
    assert forged.post("/accounts/adopt/", {"choice": "keep"}).status_code == 403
    assert owners(chat) == [None]
    assert laptop.post("/accounts/adopt/", {"choice": "keep"}, headers=JSON).json()["adopted"] == 1
    assert owners(chat) == [alice_account.pk]
