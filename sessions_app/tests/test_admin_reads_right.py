"""The admin reads right (issue 31, point 10): an error column that shows errors and not a red ✗
for every success, sessions found by username and title, titles in the list, JSON
pretty-printed, and no Save button on history that is read-only. Django's test client as a
superuser, against the real database."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions_app import manager
from sessions_app.models import ChatSession, Message, ToolCall
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db

SESSIONS = reverse("admin:chat_chatsession_changelist")
TOOL_CALLS = reverse("admin:chat_toolcall_changelist")
FAILURE = "No contract code at 0x000000000000000000000000000000000000dEaD on testnet."


@pytest.fixture
def alices_chat(django_user_model) -> ChatSession:
    alice = django_user_model.objects.create_user("alice", password="alice-pw-123")
    chat = manager.create_chat_session(Owner(session_key="alice-browser", user_id=alice.pk))
    chat.title = "Rent money for Lisbon"
    chat.save(update_fields=["title"])
    reply = chat.add_message("assistant", "alice holds 10000 ETH", metadata={"kind": "answer"})
    ToolCall.objects.create(
        chat_session=chat,
        message=reply,
        network="testnet",
        tool="get_balance",
        arguments={"address": "alice"},
        result={"balance": "10000", "currency": "ETH"},
    )
    ToolCall.objects.create(
        chat_session=chat,
        message=reply,
        network="testnet",
        tool="get_code",
        arguments={"address": "0xdead"},
        result={"code": "tool_error", "message": FAILURE},
        is_error=True,
    )
    return chat


@pytest.fixture
def bobs_chat(django_user_model) -> ChatSession:
    bob = django_user_model.objects.create_user("bob", password="bob-pw-123")
    chat = manager.create_chat_session(Owner(session_key="bob-browser", user_id=bob.pk))
    chat.title = "Gas on polygon"
    chat.save(update_fields=["title"])
    chat.add_message("user", "gas price on polygon")
    return chat


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_the_sessions_list_has_a_title_column(admin_client, alices_chat, bobs_chat):
    page = admin_client.get(SESSIONS).content.decode()
    assert "column-title_shown" in page
    assert "Rent money for Lisbon" in page and "Gas on polygon" in page


def test_sessions_are_found_by_username_and_by_title(admin_client, alices_chat, bobs_chat):
    assert listed(admin_client.get(SESSIONS, {"q": "alice"})) == [alices_chat]
    assert listed(admin_client.get(SESSIONS, {"q": "bob"})) == [bobs_chat]
    assert listed(admin_client.get(SESSIONS, {"q": "Lisbon"})) == [alices_chat]


def test_the_error_column_shows_the_error_and_a_dash_for_success(admin_client, alices_chat):
    response = admin_client.get(TOOL_CALLS)
    page = response.content.decode()
    assert "column-error" in page
    assert FAILURE in page
    assert "icon-no.svg" not in page and "icon-yes.svg" not in page  # no ✗ or ✓ for is_error
    rows = [row.split("</tr>")[0] for row in page.split("<tr")[1:]]
    success = next(row for row in rows if "get_balance" in row)
    failure = next(row for row in rows if "get_code" in row)
    assert '<td class="field-error">—</td>' in success
    assert f'<td class="field-error">{FAILURE}</td>' in failure


def test_json_is_pretty_printed_on_the_read_only_pages(admin_client, alices_chat):
    call = ToolCall.objects.get(tool="get_balance")
    page = admin_client.get(reverse("admin:chat_toolcall_change", args=[call.pk])).content
    assert b'<pre class="json"' in page
    assert b"{\n  &quot;balance&quot;: &quot;10000&quot;,\n  &quot;currency&quot;" in page
    message = Message.objects.get(chat_session=alices_chat, role="assistant")
    page = admin_client.get(reverse("admin:chat_message_change", args=[message.pk])).content
    assert b"{\n  &quot;kind&quot;: &quot;answer&quot;\n}" in page
    session = admin_client.get(reverse("admin:chat_chatsession_change", args=[alices_chat.pk]))
    assert b"{\n  &quot;address&quot;: &quot;alice&quot;\n}" in session.content  # the inline too


def test_the_failed_calls_change_page_shows_the_whole_error(admin_client, alices_chat):
    call = ToolCall.objects.get(tool="get_code")
    page = admin_client.get(reverse("admin:chat_toolcall_change", args=[call.pk])).content
    assert FAILURE.encode() in page


@pytest.mark.parametrize("model", ["message", "toolcall", "chatsession"])
def test_read_only_history_has_no_save_button(admin_client, alices_chat, model):
    obj = {
        "message": Message.objects.filter(chat_session=alices_chat).first(),
        "toolcall": ToolCall.objects.filter(chat_session=alices_chat).first(),
        "chatsession": alices_chat,
    }[model]
    response = admin_client.get(reverse(f"admin:chat_{model}_change", args=[obj.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert 'name="_addanother"' not in page
