"""Messages are numbered 1, 2, 3, … per chat session, without gaps, even when written at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from sessions_app import manager
from sessions_app.models import ChatSession, Message
from sessions_app.owner import Owner

ALICE = Owner(session_key="alice-browser")
BOB = Owner(session_key="bob-browser")


@pytest.mark.django_db
def test_each_session_numbers_its_own_messages_from_one():
    alices = manager.create_chat_session(ALICE)
    bobs = manager.create_chat_session(BOB)
    assert [alices.add_message("user", f"a{i}").seq for i in range(3)] == [1, 2, 3]
    assert bobs.add_message("user", "b").seq == 1
    assert alices.add_message("assistant", "a3").seq == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_no_gaps_or_duplicates():
    chat = manager.create_chat_session(ALICE)
    start = threading.Barrier(8)

    def write(index: int) -> int:
        try:
            start.wait(timeout=60)
            return ChatSession.objects.get(pk=chat.pk).add_message("user", f"m{index}").seq
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(write, range(8)))
    assert sorted(seqs) == list(range(1, 9))
    stored = list(Message.objects.filter(chat_session=chat).values_list("seq", flat=True))
    assert stored == list(range(1, 9))
