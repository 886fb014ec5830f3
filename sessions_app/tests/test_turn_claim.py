"""The turn claim (sessions_app/turns.py, models.Turn): one running turn per session, the queue
in order, a running turn of a dead process on this host recovered at once and anyone's after
its lease (time is set, not waited for)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import psutil
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions_app import manager, turns
from sessions_app.models import Turn
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    return manager.create_chat_session(Owner(session_key="alice-browser"))


def ask(chat, text: str, client_msg_id: str = "") -> turns.Intake:
    return turns.store(chat, "user", text, {"network": "testnet"}, client_msg_id)


def hold(turn: Turn, holder: str, until=None) -> None:
    """Make ``turn`` look run by ``holder`` (another process), its lease ending ``until``."""
    lease_until = until or timezone.now() + timedelta(seconds=60)
    Turn.objects.filter(pk=turn.pk).update(holder=holder, lease_until=lease_until)


def identity_of(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{int(psutil.Process(pid).create_time())}"


def dead_identity() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    holder = identity_of(child.pid)
    child.wait()
    return holder


def test_first_message_runs_at_once_with_its_answer_and_the_next_one_queues(chat):
    first = ask(chat, "one")
    assert first.turn is not None and first.turn.status == Turn.Status.RUNNING
    assert first.turn.answer.seq == first.message.seq + 1
    second = ask(chat, "two")
    assert second.turn is None
    assert Turn.objects.get(request=second.message).status == Turn.Status.QUEUED
    assert turns.claim_next(chat.pk) is None  # one running turn per session


def test_queued_turns_come_out_in_order_after_each_finishes(chat):
    running = ask(chat, "one").turn
    two, three = ask(chat, "two").message, ask(chat, "three").message
    assert turns.finish(running, Turn.Status.DONE, None)
    taken = turns.claim_next(chat.pk)
    assert taken.request == two and taken.answer.seq == three.seq + 1
    assert turns.finish(taken, Turn.Status.DONE, None)
    assert turns.claim_next(chat.pk).request == three


def test_the_database_refuses_a_second_running_turn(chat):
    ask(chat, "one")
    queued = Turn.objects.get(request=ask(chat, "two").message)
    with pytest.raises(IntegrityError), transaction.atomic():
        Turn.objects.filter(pk=queued.pk).update(status=Turn.Status.RUNNING)


def test_running_turn_of_a_live_process_is_respected(chat):
    running = ask(chat, "one").turn
    hold(running, identity_of(os.getppid()))  # our parent process is alive
    ask(chat, "two")
    assert turns.claim(chat.pk) is None


def test_running_turn_of_a_dead_process_on_this_host_is_recovered_at_once(chat):
    running = ask(chat, "one").turn
    turns.Message.objects.filter(pk=running.answer.pk).update(content="half an ans")
    hold(running, dead_identity())
    later = ask(chat, "two").message
    taken = turns.claim(chat.pk)
    assert taken is not None and taken.request == later
    lost = Turn.objects.select_related("answer").get(pk=running.pk)
    assert (lost.status, lost.error) == (Turn.Status.FAILED, "turn_lost")
    assert lost.answer.content.startswith("half an ans") and "cut short" in lost.answer.content


def test_running_turn_of_another_host_is_recovered_after_the_lease(chat):
    running = ask(chat, "one").turn
    hold(running, "elsewhere:1:1", until=timezone.now() + timedelta(seconds=30))
    ask(chat, "two")
    assert turns.claim(chat.pk) is None
    hold(running, "elsewhere:1:1", until=timezone.now() - timedelta(seconds=1))
    assert turns.claim(chat.pk) is not None


def test_heartbeat_keeps_the_turn_alive(chat, settings):
    settings.AGENT_TURN_LEASE = 60
    running = ask(chat, "one").turn
    Turn.objects.filter(pk=running.pk).update(lease_until=timezone.now() + timedelta(seconds=1))
    assert turns.renew(running)
    lease_until = Turn.objects.get(pk=running.pk).lease_until
    assert lease_until > timezone.now() + timedelta(seconds=50)


def test_holder_whose_turn_was_taken_over_finishes_nothing(chat):
    running = ask(chat, "one").turn
    hold(running, "elsewhere:1:1")
    assert not turns.finish(running, Turn.Status.DONE, None)
    assert Turn.objects.get(pk=running.pk).status == Turn.Status.RUNNING


def test_ended_session_takes_no_message_and_ends_its_turns(chat):
    ask(chat, "one")
    ask(chat, "two")
    manager.expire(chat)
    assert not Turn.objects.filter(chat_session=chat).active().exists()
    assert turns.claim_next(chat.pk) is None
    with pytest.raises(manager.ChatSessionInactive):
        ask(chat, "three")


def test_resend_with_same_client_msg_id_stores_once(chat):
    first = ask(chat, "hi", "m1")
    again = ask(chat, "hi", "m1")
    assert again.message == first.message and not again.created and again.turn is None
    assert chat.messages.filter(role="user").count() == 1
    assert Turn.objects.filter(chat_session=chat).count() == 1
