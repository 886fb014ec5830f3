"""The turn claim (sessions_app.turns): one holder at a time, released by its holder, recovered
from a dead process of this host at once and from anyone after the lease (time is set, not
waited for)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import psutil
import pytest
from django.utils import timezone

from sessions_app import manager, turns
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    return manager.create_chat_session(Owner(session_key="alice-browser"))


def hold(chat, holder: str, since=None) -> None:
    ChatSession.objects.filter(pk=chat.pk).update(
        processing=True, processing_by=holder, processing_since=since or timezone.now()
    )


def identity_of(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{int(psutil.Process(pid).create_time())}"


def test_only_one_claim_until_released(chat):
    assert turns.try_claim(chat.pk) is True
    assert turns.try_claim(chat.pk) is False
    turns.release(chat.pk)
    assert turns.try_claim(chat.pk) is True


def test_claim_of_a_live_process_is_respected():
    chat = manager.create_chat_session(Owner(session_key="bob-browser"))
    hold(chat, identity_of(os.getppid()))  # our parent process is alive
    assert turns.try_claim(chat.pk) is False


def test_claim_of_a_dead_process_on_this_host_is_recovered_at_once(chat):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    holder = identity_of(child.pid)
    child.wait()
    hold(chat, holder)
    chat.add_message("assistant", "half an ans", {"status": turns.STREAMING})
    assert turns.try_claim(chat.pk) is True
    left = chat.messages.get()
    assert left.metadata["status"] == "error" and left.content.startswith("half an ans")


def test_claim_of_another_host_is_recovered_after_the_lease(chat, settings):
    settings.AGENT_TURN_LEASE = 60
    hold(chat, "elsewhere:1:1", since=timezone.now() - timedelta(seconds=30))
    assert turns.try_claim(chat.pk) is False
    hold(chat, "elsewhere:1:1", since=timezone.now() - timedelta(seconds=61))
    assert turns.try_claim(chat.pk) is True


def test_heartbeat_keeps_the_claim_alive(chat, settings):
    settings.AGENT_TURN_LEASE = 60
    assert turns.try_claim(chat.pk)
    ChatSession.objects.filter(pk=chat.pk).update(
        processing_since=timezone.now() - timedelta(seconds=59)
    )
    turns.heartbeat(chat.pk)
    ChatSession.objects.filter(pk=chat.pk).update(processing_by="elsewhere:1:1")
    assert turns.try_claim(chat.pk) is False  # fresh heartbeat: still held


def test_expired_session_cannot_be_claimed(chat):
    manager.expire(chat)
    assert turns.try_claim(chat.pk) is False


def test_queued_messages_come_out_in_order(chat):
    assert turns.try_claim(chat.pk)  # only the holder of the claim takes from the queue
    first, _ = turns.store_incoming(chat, "user", "one", {"status": turns.QUEUED})
    second, _ = turns.store_incoming(chat, "user", "two", {"status": turns.QUEUED})
    assert turns.take_next_queued(chat.pk) == first
    assert turns.take_next_queued(chat.pk) == second
    assert turns.take_next_queued(chat.pk) is None


def test_resend_with_same_client_msg_id_stores_once_and_gives_the_turn_back(chat):
    message, created, claimed = turns.claim_and_store(chat, "user", "hi", {}, "m1")
    assert created and claimed
    again, created, claimed = turns.claim_and_store(chat, "user", "hi", {}, "m1")
    assert again == message and not created and not claimed
    assert chat.messages.count() == 1
