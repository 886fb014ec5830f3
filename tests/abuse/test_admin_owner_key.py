"""The admin shows no live credential and guards its login (item 7 of the review).

Before: a view-only staff user read ``owner_key`` -- the browser's own ``sessionid`` -- and,
used as a cookie, it opened the victim's chat. Now only a keyed hash is stored, the admin
never shows it, history stays read-only, only a superuser deletes a session, and wrong
passwords are throttled per username and address.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from sessions_app.models import ChatSession
from sessions_app.owner import owner_digest
from tests.abuse.helpers import create_session, csrf_client
from testsupport.browsers import make_browser


@pytest.fixture
def viewer(django_user_model) -> Client:
    """mallory: staff who may only view chat sessions."""
    mallory = django_user_model.objects.create_user("mallory", password="pw", is_staff=True)
    mallory.user_permissions.add(Permission.objects.get(codename="view_chatsession"))
    client = Client()
    client.force_login(mallory)
    return client


@pytest.mark.django_db
def test_a_view_only_staff_user_never_sees_the_browser_session_key(viewer):
    alice, token = csrf_client()
    chat_id = create_session(alice, token)
    alice_key = alice.cookies[django_settings.SESSION_COOKIE_NAME].value
    row = ChatSession.objects.get(public_id=chat_id)
    assert row.owner_key != alice_key and row.owner_key == owner_digest(alice_key)
    pages = [
        viewer.get(reverse("admin:chat_chatsession_changelist")),
        viewer.get(reverse("admin:chat_chatsession_change", args=[row.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert alice_key not in html and alice_key[:8] not in html
        assert row.owner_key[:8] not in html


@pytest.mark.django_db
def test_the_stored_hash_used_as_a_cookie_opens_nothing():
    alice, token = csrf_client()
    chat_id = create_session(alice, token)
    mallory = Client()
    mallory.cookies[django_settings.SESSION_COOKIE_NAME] = ChatSession.objects.get().owner_key
    assert mallory.get(f"/api/sessions/{chat_id}").status_code == 404


@pytest.mark.django_db
def test_only_a_superuser_may_delete_a_session_and_history_stays_read_only(
    admin_client, django_user_model
):
    chat = make_browser("alice").new_chat()
    chat.add_message("user", "hello")
    staff = django_user_model.objects.create_user("staffer", password="pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="chat"))
    staffer = Client()
    staffer.force_login(staff)
    delete_url = reverse("admin:chat_chatsession_delete", args=[chat.pk])
    assert staffer.post(delete_url, {"post": "yes"}).status_code == 403
    message = chat.messages.get()
    edit = staffer.post(reverse("admin:chat_message_change", args=[message.pk]), {"content": "x"})
    assert edit.status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not ChatSession.objects.filter(pk=chat.pk).exists()


@pytest.mark.django_db
def test_wrong_admin_passwords_are_throttled(django_user_model, settings):
    settings.LOGINS_PER_MINUTE = 5
    django_user_model.objects.create_superuser("root", password="right-horse-battery")
    client = Client()
    statuses = [
        client.post("/admin/login/", {"username": "root", "password": f"guess-{n}"}).status_code
        for n in range(20)
    ]
    assert statuses[:5] == [200] * 5  # the form again, with an error
    assert set(statuses[5:]) == {429}
    refused = client.post("/admin/login/", {"username": "root", "password": "right-horse-battery"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    # Another username from another address is not held back by mallory's guesses.
    other = Client(REMOTE_ADDR="10.0.0.7")
    django_user_model.objects.create_superuser("ops", password="ops-horse-battery")
    login = {"username": "ops", "password": "ops-horse-battery", "next": "/admin/"}
    assert other.post("/admin/login/", login)["Location"] == "/admin/"
