"""Storing a chat message with its turn, A/B on PostgreSQL: the one-statement store
(``turns._store_at_once``, what PostgreSQL runs) against the ORM's transaction of three
statements (``turns._store``, what SQLite runs), in this process, one thread, alternating.

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

from sessions_app import turns  # noqa: E402
from sessions_app.models import ChatSession, Turn  # noqa: E402
from sessions_app.owner import Owner  # noqa: E402

ALICE = Owner(session_key="bench-store-alice-" + "k" * 14)


def at_once(chat: ChatSession, n: int) -> turns.Intake:
    meta = {"network": "testnet"}
    return turns._store_at_once(chat, "user", "balance of alice", meta, f"a{n}", ALICE)


def with_orm(chat: ChatSession, n: int) -> turns.Intake:
    meta = {"network": "testnet"}
    with transaction.atomic():
        return turns._store(chat, "user", "balance of alice", meta, f"o{n}", ALICE)


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
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (migrated).")
    per_message(at_once, 20)  # connection open, statements prepared
    per_message(with_orm, 20)
    for _ in range(args.rounds):
        print(f"one statement: {per_message(at_once, args.messages)}")
        print(f"ORM, three:    {per_message(with_orm, args.messages)}")


if __name__ == "__main__":
    main()
