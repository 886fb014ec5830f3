"""Optional sign-in: signing up or logging in brings this browser's anonymous chats to the
account, and they follow the user to another browser; logging out leaves them with the account."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_app.models import ChatSession

pytestmark = pytest.mark.django_db


def start_chat(browser: Client) -> str:
    browser.get("/")
    response = browser.post("/api/sessions", {}, content_type="application/json")
    public_id = response.json()["session"]["id"]
    ChatSession.objects.get(public_id=public_id).add_message("user", "gas price")
    return public_id


def chat_ids(browser: Client) -> set[str]:
    return {chat["id"] for chat in browser.get("/api/chats").json()["chats"]}


def test_signing_up_keeps_the_browsers_chat_and_it_follows_to_another_browser():
    laptop = Client()
    chat_id = start_chat(laptop)
    form = {
        "username": "alice",
        "password1": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
    }
    response = laptop.post("/accounts/signup/", form)
    assert response.status_code == 302
    assert chat_ids(laptop) == {chat_id}
    phone = Client()
    phone.post("/accounts/login/", {"username": "alice", "password": "a-long-pass-phrase"})
    assert chat_ids(phone) == {chat_id}
    laptop.post("/accounts/logout/")
    assert chat_ids(laptop) == set()


def test_logging_in_adds_this_browsers_chats_to_the_ones_the_account_has(django_user_model):
    django_user_model.objects.create_user("bob", password="bob-pass-phrase-1")
    office = Client()
    office.post("/accounts/login/", {"username": "bob", "password": "bob-pass-phrase-1"})
    at_office = start_chat(office)
    cafe = Client()
    at_cafe = start_chat(cafe)
    response = cafe.post("/accounts/login/", {"username": "bob", "password": "bob-pass-phrase-1"})
    assert response.status_code == 302
    assert chat_ids(cafe) == chat_ids(office) == {at_office, at_cafe}


def test_a_bad_sign_up_says_why_and_creates_nothing(django_user_model):
    browser = Client()
    form = {"username": "carol", "password1": "short", "password2": "different"}
    response = browser.post("/accounts/signup/", form)
    assert response.status_code == 200
    assert b"form-errors" in response.content
    assert not django_user_model.objects.filter(username="carol").exists()
