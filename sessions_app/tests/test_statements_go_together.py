"""The turn's statements that go together (models.together) reach PostgreSQL in one round trip
and run as one transaction (the pipeline's Sync commits them, or rolls them all back); the
turn's end writes the answer's final text only when it was this call that ended the turn."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection

from sessions_app import turns
from sessions_app.models import ChatSession, Message, Turn, together

pytestmark = pytest.mark.django_db(transaction=True)


def test_statements_run_in_one_round_trip_and_return_their_rows(alice_turn, round_trips):
    answer_id = alice_turn.answer_id
    rows = together(
        [
            Message.text_update(answer_id, "Alice holds 10000 ETH."),
            ("SELECT content FROM chat_message WHERE id = %s", [answer_id]),
            ("SELECT %s::int + 1", [41]),
        ]
    )
    assert rows == [[], [("Alice holds 10000 ETH.",)], [(42,)]]
    assert round_trips == ["pipeline"]


def test_a_failing_statement_undoes_the_ones_before_it(alice_turn):
    answer_id = alice_turn.answer_id
    with pytest.raises(DatabaseError):
        together(
            [
                Message.text_update(answer_id, "half of an end"),
                ("UPDATE chat_turn SET status = %s WHERE id = %s", ["no such status" * 3, 0]),
                ("SELECT 1 / 0", []),
            ]
        )
    # Rolled back at the Sync, not left in a failed transaction: the next call works.
    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert Message.objects.get(pk=answer_id).content == ""
    assert together([("SELECT 1", [])]) == [[(1,)]]


def test_the_end_writes_the_final_text_with_the_status(alice_turn, round_trips):
    assert turns.finish(alice_turn, Turn.Status.DONE, "Alice holds 10000 ETH.", "<p>…</p>")
    assert round_trips == ["pipeline"]
    answer = Message.objects.get(pk=alice_turn.answer_id)
    assert (answer.content, answer.html) == ("Alice holds 10000 ETH.", "<p>…</p>")
    assert Turn.objects.get(pk=alice_turn.pk).status == Turn.Status.DONE


def test_a_turn_taken_over_keeps_its_answer(alice_turn):
    Turn.objects.filter(pk=alice_turn.pk).update(holder="elsewhere:1:1")
    Message.objects.filter(pk=alice_turn.answer_id).update(content="the other process's words")
    assert not turns.finish(alice_turn, Turn.Status.DONE, "late words", "<p>late words</p>")
    assert Message.objects.get(pk=alice_turn.answer_id).content == "the other process's words"
    assert Turn.objects.get(pk=alice_turn.pk).status == Turn.Status.RUNNING


def test_a_turn_recovered_as_lost_keeps_the_cut_short_note(alice_turn):
    alice_turn.recover()
    noted = Message.objects.get(pk=alice_turn.answer_id).content
    assert "cut short" in noted
    assert not turns.finish(alice_turn, Turn.Status.FAILED, "late words", error="agent_failed")
    assert Message.objects.get(pk=alice_turn.answer_id).content == noted


def test_a_session_that_ended_keeps_its_answer(alice_turn):
    ChatSession.objects.filter(pk=alice_turn.chat_session_id).expire_stale()
    Turn.objects.filter(pk=alice_turn.pk).end_all()
    assert not turns.finish(alice_turn, Turn.Status.INTERRUPTED, "late words")
    assert Message.objects.get(pk=alice_turn.answer_id).content == ""
