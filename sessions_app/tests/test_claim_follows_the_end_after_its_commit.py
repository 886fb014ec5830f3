"""A turn's end is one transaction, and the claim of the session's next turn follows its commit
in a transaction of its own, one round trip later, so that it sees the end committed
(models.together's ``then``). A failure before the commit raises and runs nothing after it; a
failure after it keeps the end and claims nothing."""

from __future__ import annotations

import logging

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from sessions_app import turns
from sessions_app.models import Message, Turn, together

pytestmark = pytest.mark.django_db(transaction=True)

TRANSACTION_ID = ("SELECT txid_current()", [])


def content_of(message_id: int) -> str:
    return Message.objects.get(pk=message_id).content


def test_the_statements_after_see_the_commit_one_round_trip_later(alice_turn, round_trips):
    answer_id = alice_turn.answer_id
    end, ((first_txid,),), after, ((second_txid,),) = together(
        [Message.text_update(answer_id, "Alice holds 10000 ETH."), TRANSACTION_ID],
        then=[("SELECT content FROM chat_message WHERE id = %s", [answer_id]), TRANSACTION_ID],
    )
    assert end == [] and after == [("Alice holds 10000 ETH.",)]
    assert second_txid != first_txid  # committed, then a transaction of its own
    assert round_trips == ["pipeline", "pipeline"]


def test_a_failure_after_the_commit_keeps_it_and_is_logged(alice_turn, caplog):
    answer_id = alice_turn.answer_id
    with caplog.at_level(logging.INFO, logger="sessions_app.models"):
        rows = together([Message.text_update(answer_id, "kept")], then=[("SELECT 1 / 0", [])])
    assert rows == [[], []]
    assert content_of(answer_id) == "kept"
    assert "after a commit: DataError" in caplog.text
    assert together([("SELECT 1", [])]) == [[(1,)]]  # the connection is usable


def test_a_failure_before_the_commit_raises_and_runs_nothing_after(alice_turn):
    answer_id = alice_turn.answer_id
    claim_like = ("UPDATE chat_message SET content = 'after' WHERE id = %s", [answer_id])
    with pytest.raises(DatabaseError):
        together(
            [Message.text_update(answer_id, "half an end"), ("SELECT 1 / 0", [])],
            then=[claim_like],
        )
    assert content_of(answer_id) == ""
    status = connection.connection.info.transaction_status
    assert status == psycopg.pq.TransactionStatus.IDLE  # rolled back, not left in error
    assert together([("SELECT 1", [])]) == [[(1,)]]


def test_a_claim_refused_by_a_running_turn_claims_nothing(alice_chat, alice_turn, caplog):
    """The race the unique index on running turns settles, made on purpose: the claim after
    the commit puts a second turn of the session to running."""
    queued = turns.store(alice_chat, "user", "and bob?", {"network": "testnet"})
    assert queued.turn is None  # alice's turn runs: this one waits
    waiting = Turn.objects.get(request=queued.message)
    second_running = ("UPDATE chat_turn SET status = 'running' WHERE id = %s", [waiting.pk])
    with caplog.at_level(logging.INFO, logger="sessions_app.models"):
        rows = together([Message.text_update(alice_turn.answer_id, "kept")], then=[second_running])
    assert rows == [[], []]
    assert "after a commit: IntegrityError" in caplog.text
    assert Turn.objects.get(pk=waiting.pk).status == Turn.Status.QUEUED


def test_the_end_claims_the_turn_queued_behind_it(alice_chat, alice_turn, round_trips):
    queued = turns.store(alice_chat, "user", "and bob?", {"network": "testnet"})
    round_trips.clear()
    claimed = turns.finish_and_claim_next(alice_turn, Turn.Status.DONE, "10000 ETH", "<p>…</p>")
    end, claim = round_trips[:2]  # then the claimed turn's answer begins
    assert end == "pipeline" and claim.startswith("UPDATE chat_turn SET status = 'running'")
    assert alice_turn.status == Turn.Status.DONE
    assert Turn.objects.get(pk=alice_turn.pk).status == Turn.Status.DONE
    assert claimed is not None and claimed.request_id == queued.message.pk
    assert claimed.status == Turn.Status.RUNNING and claimed.answer_id is not None
    assert content_of(alice_turn.answer_id) == "10000 ETH"


def test_inside_a_callers_transaction_nothing_is_committed_early(alice_turn):
    answer_id = alice_turn.answer_id

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        rows = together([Message.text_update(answer_id, "not yet")], then=[TRANSACTION_ID])
        assert rows[0] == [] and len(rows[1]) == 1
        raise Undo
    assert content_of(answer_id) == ""  # the caller's rollback undid it all
