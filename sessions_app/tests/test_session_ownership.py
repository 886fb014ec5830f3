"""Ownership through the HTTP API: another owner's chat session behaves like an unknown one."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions_app.models import ChatSession, new_public_id

pytestmark = pytest.mark.django_db


def create_session(browser: Client, network: str = "testnet") -> str:
    response = browser.post("/api/sessions", {"network": network}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["session"]["id"]


def listed_ids(browser: Client) -> list[str]:
    response = browser.get("/api/sessions")
    assert response.status_code == 200
    return [s["id"] for s in response.json()["sessions"]]


@pytest.fixture
def alice_browser() -> Client:
    return Client()


@pytest.fixture
def bob_browser() -> Client:
    return Client()


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pw-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-pw-123")


def test_owner_reads_own_session(alice_browser):
    session_id = create_session(alice_browser)
    response = alice_browser.get(f"/api/sessions/{session_id}")
    assert response.status_code == 200
    assert response.json()["session"]["id"] == session_id


def test_foreign_session_read_is_indistinguishable_from_unknown(alice_browser, bob_browser):
    bobs_id = create_session(bob_browser)
    foreign = alice_browser.get(f"/api/sessions/{bobs_id}")
    unknown = alice_browser.get(f"/api/sessions/{new_public_id()}")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    assert foreign["Content-Type"] == unknown["Content-Type"] == "application/json"


def test_foreign_session_close_is_indistinguishable_and_changes_nothing(alice_browser, bob_browser):
    bobs_id = create_session(bob_browser)
    foreign = alice_browser.post(f"/api/sessions/{bobs_id}/close")
    unknown = alice_browser.post(f"/api/sessions/{new_public_id()}/close")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    assert ChatSession.objects.get(public_id=bobs_id).status == ChatSession.Status.ACTIVE


def test_owner_closes_own_session(bob_browser):
    bobs_id = create_session(bob_browser)
    response = bob_browser.post(f"/api/sessions/{bobs_id}/close")
    assert response.status_code == 200
    assert response.json()["session"]["status"] == "closed"


def test_list_shows_only_own_sessions(alice_browser, bob_browser):
    alices_id = create_session(alice_browser)
    bobs_id = create_session(bob_browser)
    assert listed_ids(alice_browser) == [alices_id]
    assert listed_ids(bob_browser) == [bobs_id]


def test_browser_without_cookie_owns_nothing(bob_browser):
    create_session(bob_browser)
    assert listed_ids(Client()) == []


def test_malformed_ids_get_the_unknown_answer(alice_browser):
    unknown = alice_browser.get(f"/api/sessions/{new_public_id()}")
    for bad in ["x", "a" * 65, "%00", "' OR 1=1 --"]:
        response = alice_browser.get(f"/api/sessions/{bad}")
        assert (response.status_code, response.content) == (404, unknown.content), bad


def test_logged_in_user_cannot_reach_another_users_session(alice, bob):
    alice_browser, bob_browser = Client(), Client()
    alice_browser.force_login(alice)
    bob_browser.force_login(bob)
    bobs_id = create_session(bob_browser)
    assert ChatSession.objects.get(public_id=bobs_id).user == bob
    foreign = alice_browser.get(f"/api/sessions/{bobs_id}")
    unknown = alice_browser.get(f"/api/sessions/{new_public_id()}")
    assert (foreign.status_code, foreign.content) == (unknown.status_code, unknown.content)
    assert alice_browser.post(f"/api/sessions/{bobs_id}/close").content == unknown.content
    assert bobs_id not in listed_ids(alice_browser)


def test_users_sessions_follow_them_across_browsers(bob):
    laptop, phone = Client(), Client()
    laptop.force_login(bob)
    bobs_id = create_session(laptop)
    phone.force_login(bob)
    assert listed_ids(phone) == [bobs_id]
    assert phone.get(f"/api/sessions/{bobs_id}").status_code == 200


def test_logging_out_leaves_the_users_sessions_behind(bob):
    browser = Client()
    browser.force_login(bob)
    bobs_id = create_session(browser)
    browser.logout()
    assert browser.get(f"/api/sessions/{bobs_id}").status_code == 404
    assert listed_ids(browser) == []


def test_anonymous_sessions_join_the_account_when_the_browser_says_so(alice):
    # Login cycles the Django session key; the chats made before it stay reachable to adopt
    # (sessions_app/adoption.py), and move only on the browser's answer.
    browser = Client()
    before_login = create_session(browser)
    browser.force_login(alice)
    assert listed_ids(browser) == []
    assert browser.post("/accounts/adopt/", {"choice": "keep"}).status_code == 302
    assert listed_ids(browser) == [before_login]
    elsewhere = Client()
    elsewhere.force_login(alice)
    assert elsewhere.get(f"/api/sessions/{before_login}").status_code == 200


def test_login_on_another_browser_adopts_nothing_foreign(alice):
    strangers_id = create_session(Client())
    browser = Client()
    create_session(browser)
    browser.force_login(alice)
    assert strangers_id not in listed_ids(browser)
    assert ChatSession.objects.get(public_id=strangers_id).user is None
