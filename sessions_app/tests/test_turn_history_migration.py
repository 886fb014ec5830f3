"""Migration 0004 moves turn state from Message.metadata ("status", "reply_to") and
ChatSession.processing* to Turn rows: an answered message's turn ends as its answer ended, the
turn in flight keeps its holder, a queued message stays queued, and the metadata keys go."""

from __future__ import annotations

import pytest
from django.utils import timezone

BEFORE = [("chat", "0003_message_reply_to_idx")]
AFTER = [("chat", "0004_turn")]


@pytest.fixture
def old_history(migrate):
    apps = migrate(BEFORE)
    chat_session = apps.get_model("chat", "ChatSession").objects.create(
        public_id="m" * 32,
        owner_key="alice-browser",
        processing=True,
        processing_by="elsewhere:1:1",
        processing_since=timezone.now(),
        message_seq=5,
    )
    add = apps.get_model("chat", "Message").objects.create
    done = add(chat_session=chat_session, seq=1, role="user", content="q1", metadata={"status": ""})
    add(chat_session=chat_session, seq=2, role="assistant", content="a1",
        metadata={"status": "", "reply_to": done.pk, "network": "testnet"})  # fmt: skip
    flying = add(chat_session=chat_session, seq=3, role="user", content="q2", metadata={})
    add(chat_session=chat_session, seq=4, role="assistant", content="half",
        metadata={"status": "streaming", "reply_to": flying.pk})  # fmt: skip
    add(chat_session=chat_session, seq=5, role="user", content="q3", metadata={"status": "queued"})
    return chat_session.pk


def test_turn_state_moves_from_message_metadata_to_turn_rows(migrate, old_history):
    apps = migrate(AFTER)
    turns = apps.get_model("chat", "Turn").objects.filter(chat_session_id=old_history)
    rows = [
        (t.request.content, t.status, t.answer.content if t.answer else None, t.holder)
        for t in turns.order_by("pk")
    ]
    assert rows == [
        ("q1", "done", "a1", ""),
        ("q2", "running", "half", "elsewhere:1:1"),
        ("q3", "queued", None, ""),
    ]
    metadata = apps.get_model("chat", "Message").objects.values_list("metadata", flat=True)
    assert not any({"status", "reply_to"} & set(m) for m in metadata)
    assert {"network": "testnet"} in list(metadata)
