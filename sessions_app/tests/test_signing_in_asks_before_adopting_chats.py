"""Optional sign-in: the browser's anonymous chats join the account only when the page's
"Keep these chats in your account?" is answered so; then they follow the user to another
browser, and logging out leaves them with the account."""

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


def test_after_sign_up_the_page_asks_and_keeping_brings_the_chat_to_every_browser():
    laptop = Client()
    chat_id = start_chat(laptop)
    form = {
        "username": "alice",
        "password1": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
    }
    assert laptop.post("/accounts/signup/", form).status_code == 302
    assert chat_ids(laptop) == set()
    page = laptop.get("/").content.decode()
    assert "This browser has 1 chat from before you signed in" in page
    assert laptop.post("/accounts/adopt/", {"choice": "keep"})["Location"] == "/"
    assert chat_ids(laptop) == {chat_id}
    assert "from before you signed in" not in laptop.get("/").content.decode()
    phone = Client()
    phone.post("/accounts/login/", {"username": "alice", "password": "a-long-pass-phrase"})
    assert chat_ids(phone) == {chat_id}
    laptop.post("/accounts/logout/")
    assert chat_ids(laptop) == set()


def test_not_now_leaves_the_chats_out_and_stops_asking(django_user_model):
    django_user_model.objects.create_user("bob", password="bob-pass-phrase-1")
    cafe = Client()
    at_cafe = start_chat(cafe)
    login = {"username": "bob", "password": "bob-pass-phrase-1"}
    assert cafe.post("/accounts/login/", login).status_code == 302
    assert cafe.post("/accounts/adopt/", {"choice": "leave"}).status_code == 302
    assert chat_ids(cafe) == set()
    assert "from before you signed in" not in cafe.get("/").content.decode()
    assert ChatSession.objects.get(public_id=at_cafe).user is None


def test_keeping_adds_this_browsers_chats_to_the_ones_the_account_has(django_user_model):
    django_user_model.objects.create_user("bob", password="bob-pass-phrase-1")
    login = {"username": "bob", "password": "bob-pass-phrase-1"}
    office = Client()
    office.post("/accounts/login/", login)
    at_office = start_chat(office)
    cafe = Client()
    at_cafe = start_chat(cafe)
    cafe.post("/accounts/login/", login)
    answer = cafe.post(
        "/accounts/adopt/", {"choice": "keep"}, headers={"Accept": "application/json"}
    )
    assert answer.json() == {"adopted": 1, "held": 0}
    assert chat_ids(cafe) == chat_ids(office) == {at_office, at_cafe}


def test_a_bad_sign_up_says_why_and_creates_nothing(django_user_model):
    browser = Client()
    form = {"username": "carol", "password1": "short", "password2": "different"}
    response = browser.post("/accounts/signup/", form)
    assert response.status_code == 200
    assert b"form-errors" in response.content
    assert not django_user_model.objects.filter(username="carol").exists()
