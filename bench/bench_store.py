"""Storing a chat message with its turn, A/B: the one-statement store the app runs
(``turns._store_at_once``) against the ORM's transaction of three statements (the session's
sequence number, the messages, the turn: ``with_orm`` below), in this process, one thread,
alternating.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evmchat_bench \\
    .venv/bin/python bench/bench_store.py [--messages 300] [--rounds 3]

Prints this process's CPU (time.thread_time) and the wall time per stored message; each
message's turn is ended right after (not timed), so the next one runs at once as in a chat.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from sessions_app import turns  # noqa: E402
from sessions_app.models import ChatSession, Message, Turn  # noqa: E402
from sessions_app.owner import Owner  # noqa: E402

ALICE = Owner(session_key="bench-store-alice-" + "k" * 14)


def at_once(chat: ChatSession, n: int) -> turns.Intake:
    meta = {"network": "testnet"}
    return turns._store_at_once(chat, "user", "balance of alice", meta, f"a{n}", ALICE)


def with_orm(chat: ChatSession, n: int) -> turns.Intake:
    """The same rows through the ORM: reserve the sequence numbers (the session's row locked
    until the commit), the message and its answer, the running turn."""
    with transaction.atomic():
        where, params = turns._open(chat, ALICE, capped=True)
        now = timezone.now()
        reserve = turns.RESERVE_SQL.format(open=where)
        with connection.cursor() as cursor:
            cursor.execute(reserve, [now, "balance of alice", "testnet", "testnet", *params])
            seq, busy = cursor.fetchone()[:2]
        assert not busy
        message = Message(chat_session=chat, seq=seq - 1, role="user", content="balance of alice")
        message.metadata, message.client_msg_id = {"network": "testnet"}, f"o{n}"
        message.html = turns.html_of("user", message.content)
        answer = Message(chat_session=chat, seq=seq, role="assistant")
        answer.metadata = {"network": "testnet"}
        Message.objects.bulk_create([message, answer])
        turn = Turn(chat_session=chat, request=message, answer=answer, holder=turns.PROCESS_ID)
        turn.status, turn.lease_until = Turn.Status.RUNNING, now + turns.lease()
        turn.save(force_insert=True)
        return turns.Intake(message, created=True, turn=turn)


def per_message(store: Callable[[ChatSession, int], turns.Intake], messages: int) -> str:
    chat = ChatSession.objects.create(owner_key=ALICE.key_digest)
    cpu = wall = 0.0
    for n in range(messages):
        started_cpu, started = time.thread_time(), time.perf_counter()
        intake = store(chat, n)
        cpu += time.thread_time() - started_cpu
        wall += time.perf_counter() - started
        assert intake.turn is not None
        Turn.objects.filter(pk=intake.turn.pk).update(status=Turn.Status.DONE)
    return f"{1000 * cpu / messages:.3f} ms CPU, {1000 * wall / messages:.3f} ms wall"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    per_message(at_once, 20)  # connection open, statements prepared
    per_message(with_orm, 20)
    for _ in range(args.rounds):
        print(f"one statement: {per_message(at_once, args.messages)}")
        print(f"ORM, three:    {per_message(with_orm, args.messages)}")


if __name__ == "__main__":
    main()
