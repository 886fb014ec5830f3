"""The admin shows chat histories only to staff with permission; a plain user sees none of it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from sessions_app import manager
from sessions_app.owner import Owner

ADMIN_PAGES = [
    "/admin/",
    "/admin/chat/chatsession/",
    "/admin/chat/message/",
    "/admin/chat/toolcall/",
]


@pytest.fixture
def alice_history(db) -> str:
    chat = manager.create_chat_session(Owner(session_key="alice-browser"))
    chat.add_message("user", "alice's private question 0xA11CE")
    return chat.public_id


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_the_login_page(alice_history):
    for page in ADMIN_PAGES:
        response = Client().get(page)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_logged_in_user_without_staff_rights_sees_no_admin(alice_history):
    bob = logged_in(User.objects.create_user("bob", password="pw-bob-123456"))
    for page in ADMIN_PAGES:
        response = bob.get(page)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert b"0xA11CE" not in response.content
    detail = bob.get(f"/admin/chat/chatsession/?q={alice_history}")
    assert detail.status_code == 302


@pytest.mark.django_db
def test_staff_without_chat_permissions_cannot_read_histories(alice_history):
    carol = User.objects.create_user("carol", password="pw-carol-123456", is_staff=True)
    client = logged_in(carol)
    for page in ADMIN_PAGES[1:]:
        response = client.get(page)
        assert response.status_code == 403, (page, response.status_code)
        assert b"0xA11CE" not in response.content


@pytest.mark.django_db
def test_staff_with_view_permission_reads_but_cannot_change(alice_history):
    dave = User.objects.create_user("dave", password="pw-dave-123456", is_staff=True)
    dave.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client = logged_in(dave)
    listing = client.get(ADMIN_PAGES[1])
    assert listing.status_code == 200
    assert client.get("/admin/chat/chatsession/add/").status_code == 403
