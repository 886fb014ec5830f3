"""Message and ToolCall admins: staff may read the history, nobody may add, edit or delete it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions_app import manager
from sessions_app.models import Message, ToolCall
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def history() -> tuple[Message, ToolCall]:
    chat = manager.create_chat_session(Owner(session_key="alice-browser"))
    message = chat.add_message("assistant", "block 42")
    call = ToolCall.objects.create(
        chat_session=chat, message=message, network="testnet", tool="get_block_number"
    )
    return message, call


@pytest.mark.parametrize("model", ["message", "toolcall"])
def test_changelist_and_detail_render(admin_client, history, model):
    obj = history[0] if model == "message" else history[1]
    assert admin_client.get(reverse(f"admin:chat_{model}_changelist")).status_code == 200
    detail = admin_client.get(reverse(f"admin:chat_{model}_change", args=[obj.pk]))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content


@pytest.mark.parametrize("model", ["message", "toolcall"])
def test_history_cannot_be_added_changed_or_deleted(admin_client, history, model):
    obj = history[0] if model == "message" else history[1]
    assert admin_client.get(reverse(f"admin:chat_{model}_add")).status_code == 403
    edit = admin_client.post(reverse(f"admin:chat_{model}_change", args=[obj.pk]), {"content": "x"})
    assert edit.status_code == 403
    delete = admin_client.post(
        reverse(f"admin:chat_{model}_delete", args=[obj.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_message_search_finds_text(admin_client, history):
    response = admin_client.get(reverse("admin:chat_message_changelist"), {"q": "block 42"})
    assert list(response.context["cl"].result_list) == [history[0]]
