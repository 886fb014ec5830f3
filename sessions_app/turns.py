"""Turns: one at a time per chat session, across backend processes (see models.Turn).

A message is stored with its turn at once, in one statement (STORE_SQL). When the session
has no queued or running turn, the turn starts running at once, claimed by this
process, and its (empty) answer message is created with it. Otherwise the turn waits in the
queue, and the process that finishes a turn claims the next one with one conditional UPDATE
(``claim_next``); whoever queues a turn tries that claim too, so a turn queued just as the
previous one finished is not left behind.

A running turn belongs to its holder (host:pid:start) while ``lease_until`` is ahead; the
holder renews it (a heartbeat). A turn whose lease ran out, or whose holder is a process of
this host that no longer exists (a killed backend), is recovered by the next claim: back to the
queue in its place when its answer was not begun, else failed with its answer cut short.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

import psutil
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from sessions_app import manager
from sessions_app.models import ChatSession, Message, Statement, Turn, as_saved, together
from sessions_app.owner import Owner
from sessions_app.rendering import render_markdown

log = logging.getLogger(__name__)


def _process_identity() -> str:
    started = int(psutil.Process().create_time())
    return f"{socket.gethostname()}:{os.getpid()}:{started}"


PROCESS_ID = _process_identity()


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "AGENT_TURN_LEASE", 60))


def holder_is_dead(holder: str) -> bool:
    """True when a turn's holder is a process of this host that no longer runs."""
    try:
        host, pid, started = holder.rsplit(":", 2)
    except ValueError:
        return not holder
    if host != socket.gethostname():
        return False
    try:
        return int(psutil.Process(int(pid)).create_time()) != int(started)
    except (psutil.NoSuchProcess, ValueError):
        return True


# Raw SQL where the ORM has no RETURNING for an UPDATE. Only table names (from the models) are
# formatted in; every value is a parameter.
_SESSIONS, _TURNS = ChatSession._meta.db_table, Turn._meta.db_table
_BUSY = (
    f"EXISTS (SELECT 1 FROM {_TURNS} WHERE {_TURNS}.chat_session_id = {_SESSIONS}.id"  # noqa: S608
    f" AND {_TURNS}.status IN ('queued', 'running'))"
)
RESERVE_SQL = (
    f"UPDATE {_SESSIONS} SET message_seq = message_seq + CASE WHEN {_BUSY} THEN 1 ELSE 2 END,"  # noqa: S608
    " last_activity_at = %s, title = CASE WHEN title = '' THEN %s ELSE title END,"
    " network = CASE WHEN %s = '' THEN network ELSE %s END"
    f" WHERE {{open}} RETURNING message_seq, {_BUSY} AS busy, title, network"
)
# The session may take a message (sessions_app.turns._open adds the owner's rule).
OPEN_SQL = (
    "id = %s AND status = 'active' AND last_activity_at >= %s"
    " AND (%s OR message_seq < %s)"  # the message cap, when it applies
)
# A message, its turn and (when nothing is queued or running) the turn's answer are stored in
# one statement, data-modifying CTEs after the reservation: 0.25 ms of this process's CPU and
# one round trip, against 1.2 ms and five (BEGIN, three statements, COMMIT) for the ORM's
# transaction (bench/bench_store.py).
_MESSAGES = Message._meta.db_table
STORE_SQL = (
    f"WITH s AS ({RESERVE_SQL.replace('RETURNING', 'RETURNING id,')}),"  # noqa: S608
    f" m AS (INSERT INTO {_MESSAGES} (chat_session_id, seq, role, content, html, metadata,"
    " client_msg_id, created_at)"
    " SELECT s.id, s.message_seq - CASE WHEN s.busy THEN 0 ELSE 1 END, %s, %s, %s, %s::jsonb,"
    " %s, %s::timestamptz FROM s"
    " UNION ALL SELECT s.id, s.message_seq, 'assistant', '', '',"
    " jsonb_build_object('network', s.network), '', %s::timestamptz FROM s WHERE NOT s.busy"
    " RETURNING id, role),"
    f" t AS (INSERT INTO {_TURNS} (chat_session_id, request_id, answer_id, status, holder,"
    " lease_until, error, created_at)"
    " SELECT s.id, (SELECT id FROM m WHERE role <> 'assistant'),"
    " (SELECT id FROM m WHERE role = 'assistant'),"
    " CASE WHEN s.busy THEN 'queued' ELSE 'running' END, CASE WHEN s.busy THEN '' ELSE %s END,"
    " CASE WHEN s.busy THEN NULL ELSE %s::timestamptz END, '', %s::timestamptz FROM s"
    " RETURNING id, request_id, answer_id)"
    " SELECT s.message_seq, s.busy, s.title, s.network, t.id, t.request_id, t.answer_id"
    " FROM s, t"
)
CLAIM_SQL = (
    f"UPDATE {_TURNS} SET status = 'running', holder = %s, lease_until = %s"  # noqa: S608
    f" WHERE id = (SELECT id FROM {_TURNS} WHERE chat_session_id = %s AND status = 'queued'"
    " ORDER BY id LIMIT 1) AND status = 'queued'"
    f" AND NOT EXISTS (SELECT 1 FROM {_TURNS} r WHERE r.chat_session_id = %s"
    " AND r.status = 'running')"
    f" AND EXISTS (SELECT 1 FROM {_SESSIONS} s WHERE s.id = %s AND s.status = 'active')"
    " RETURNING id"
)


@dataclass
class Intake:
    """A stored message; ``turn`` is set when this call claimed it (its answer exists)."""

    message: Message
    created: bool
    turn: Turn | None = None


def store(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str = "",
    owner: Owner | None = None,
) -> Intake:
    """Store a message and its turn (claimed, or queued behind the session's running turn).

    With ``owner``, the owner and the activity of the session are checked by the same UPDATE;
    raises manager.ChatSessionError when it may not take messages. A resend (same
    client_msg_id) stores nothing and returns the first message.
    """
    for _ in range(3):
        try:
            if not connection.in_atomic_block:  # one statement: atomic by itself
                return _store_at_once(chat_session, role, text, metadata, client_msg_id, owner)
            with transaction.atomic():  # a savepoint: a refusal must not spoil the caller's
                return _store_at_once(chat_session, role, text, metadata, client_msg_id, owner)
        except IntegrityError:
            if client_msg_id:
                existing = chat_session.messages.filter(client_msg_id=client_msg_id).first()
                if existing is not None:
                    return Intake(existing, created=False)
            # Otherwise another message of the session started running first: queue this one.
    raise RuntimeError("could not store the message")


def _store_at_once(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str,
    owner: Owner | None,
) -> Intake:
    """The message, its turn and (when it runs at once) its answer, in one statement
    (STORE_SQL); raises manager.ChatSessionError when the session may not take it."""
    title = title_from(text) if role == Message.Role.USER else ""
    network = str(metadata.get("network") or "")
    where, opened = _open(chat_session, owner, capped=role == Message.Role.USER)
    now = timezone.now()
    until = now + lease()
    html = html_of(role, text)
    params = [now, title, network, network, *opened, role, text, html, json.dumps(metadata)]
    params += [client_msg_id, now, now, PROCESS_ID, until, now]
    (rows,) = together([(STORE_SQL.format(open=where), params)])
    if not rows:
        _refuse(chat_session, owner)
    seq, busy, chat_session.title, chat_session.network, turn_id, request_id, answer_id = rows[0]
    chat_session.message_seq = seq
    message = as_saved(
        Message(id=request_id, chat_session=chat_session, seq=seq - (0 if busy else 1)),
        role=role,
        content=text,
        html=html,
        metadata=metadata,
        client_msg_id=client_msg_id,
        created_at=now,
    )
    turn = as_saved(Turn(id=turn_id, chat_session=chat_session, request=message), created_at=now)
    if busy:
        return Intake(message, created=True)
    answer = Message(id=answer_id, chat_session=chat_session, seq=seq, created_at=now)
    answer.role, answer.metadata = Message.Role.ASSISTANT, {"network": chat_session.network}
    turn.answer = as_saved(answer)
    turn.status, turn.holder, turn.lease_until = Turn.Status.RUNNING, PROCESS_ID, until
    return Intake(message, created=True, turn=turn)


def html_of(role: str, text: str) -> str:
    """A user message's markdown, rendered (and sanitized) once as it is stored, as an
    answer's is when its turn ends: a page of history renders none of them again."""
    return render_markdown(text) if role == Message.Role.USER else ""


def _open(chat_session: ChatSession, owner: Owner | None, capped: bool) -> tuple[str, list[Any]]:
    """SQL (and its parameters) true for the session's row when it is this owner's, active,
    not idle past SESSION_TIMEOUT and, when ``capped``, not full."""
    idle_since = timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT)
    cap = settings.MAX_MESSAGES_PER_SESSION if capped else 0
    params: list[Any] = [chat_session.pk, idle_since, cap <= 0, cap]
    if owner is None:
        return OPEN_SQL, params
    rule, owned = _owner_rule(owner, owner.key_digest if owner.session_key else "")
    return f"{OPEN_SQL} AND id IN ({rule})", [*params, *owned]


@functools.lru_cache(maxsize=1024)
def _owner_rule(owner: Owner, digest: str) -> tuple[str, tuple[Any, ...]]:
    """The ids of the owner's sessions as SQL, from the one ownership rule (for_owner),
    compiled once per owner (and ``digest``, its key's keyed hash, which changes with the
    secret key): compiling it was most of a message's ORM cost (0.5 ms)."""
    try:
        return ChatSession.objects.for_owner(owner).values("pk").query.sql_with_params()
    except EmptyResultSet:  # nobody: owns nothing
        return "SELECT NULL WHERE 1 = 0", ()


def _refuse(chat_session: ChatSession, owner: Owner | None) -> NoReturn:
    """The precise refusal (unknown, foreign, expired, closed or full) for a session the
    UPDATE did not find."""
    # A session idle past SESSION_TIMEOUT that the cleanup has not reached yet ends now.
    ChatSession.objects.filter(pk=chat_session.pk).expire_stale()
    if owner is not None:
        manager.get_active_for_owner(chat_session.public_id, owner)
    found = ChatSession.objects.filter(pk=chat_session.pk).values_list("status", "message_seq")
    status, seq = found.first() or (ChatSession.Status.CLOSED, 0)
    cap = settings.MAX_MESSAGES_PER_SESSION
    if status == ChatSession.Status.ACTIVE and cap > 0 and seq >= cap:
        raise manager.ChatSessionFull(cap)
    raise manager.ChatSessionInactive(status)


def claim_next(chat_session_id: int) -> Turn | None:
    """The session's oldest queued turn, now running for this process, with its answer begun;
    None when a turn runs, nothing is queued, or the session ended. One conditional UPDATE
    (the ``status = 'queued'`` repeated outside the subquery makes a concurrent claim of the
    same row touch nothing); the unique index on running turns settles any other race."""
    try:
        # Autocommit: one round trip when nothing waits.
        (rows,) = together([_claim(chat_session_id)])
    except IntegrityError:
        return None
    return _begin_claimed(rows)


def _claim(chat_session_id: int) -> Statement:
    until = connection.ops.adapt_datetimefield_value(timezone.now() + lease())
    return CLAIM_SQL, [PROCESS_ID, until, *[chat_session_id] * 3]


def _begin_claimed(rows: list[tuple[Any, ...]]) -> Turn | None:
    if not rows:
        return None
    ((turn_id,),) = rows
    # Dying before the answer exists leaves a running turn without one: recovery queues it.
    with transaction.atomic():
        return _begin(Turn.objects.select_related("request").get(pk=turn_id))


def _begin(turn: Turn) -> Turn:
    """The claimed turn's (empty) answer message, in the session's sequence."""
    chat_session = ChatSession.objects.get(pk=turn.chat_session_id)
    network = turn.request.metadata.get("network") or chat_session.network
    answer = chat_session.add_message(Message.Role.ASSISTANT, "", {"network": network})
    turn.answer = answer
    turn.save(update_fields=["answer"])
    turn.chat_session = chat_session
    return turn


def claim(chat_session_id: int) -> Turn | None:
    """``claim_next``, after recovering a running turn whose holder is gone (kill -9 of a
    backend, a lease that ran out). What a new socket or a queued message calls."""
    active = list(Turn.objects.filter(chat_session_id=chat_session_id).active().order_by("pk"))
    running = [turn for turn in active if turn.status == Turn.Status.RUNNING]
    for turn in running:
        if not _gone(turn):
            return None
        recovered = turn.recover()
        if recovered:
            log.warning("recovered a turn whose holder is gone: now %s", recovered)
    if not active:
        return None
    return claim_next(chat_session_id)


def _gone(turn: Turn) -> bool:
    expired = turn.lease_until is None or turn.lease_until < timezone.now()
    return expired or (turn.holder != PROCESS_ID and holder_is_dead(turn.holder))


def finish(
    turn: Turn,
    status: str,
    content: str | None = None,
    html: str = "",
    error: str = "",
) -> bool:
    """End the turn (only while this process still holds it) and store the answer's final
    text and its rendered HTML when given: one round trip."""
    answer = None if content is None else (content, html)
    return turn.finish(status, error, answer)


def finish_and_claim_next(
    turn: Turn,
    status: str,
    content: str,
    html: str,
    error: str = "",
    before: Sequence[Statement] = (),
) -> Turn | None:
    """``finish``, then ``claim_next``: what the runner does at a turn's end, in one call of
    the database thread and one round trip. The claim follows the end's COMMIT (it must see
    the end committed: a turn queued meanwhile by another process is then claimed either here
    or by that process, whose claim follows its own commit)."""
    ends = [*before, *turn.end_statements(status, error, (content, html))]
    rows = together(ends, then=[_claim(turn.chat_session_id)])
    turn.ended(status, error, rows[len(before)])
    try:
        return _begin_claimed(rows[-1])
    except DatabaseError:
        # The turn has ended and its end is streamed; the queue waits for the next claim (a
        # socket that connects, a message). chatproject.lib.dbthreads sees the lost connection.
        log.warning("turn ended; its queue waits: database unavailable", exc_info=True)
        return None


def renew(turn: Turn) -> bool:
    return turn.renew(timezone.now() + lease())


def title_from(text: str, limit: int = 60) -> str:
    """The first line of the first message, cut at a word boundary."""
    line = " ".join(text.strip().split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(",.;:") + "…"
