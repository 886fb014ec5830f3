"""One turn at a time per chat session, across backend processes.

The claim is a conditional UPDATE on ChatSession (processing False -> True). The process that
holds it writes its identity (host:pid:start time) and refreshes ``processing_since`` while the
turn runs (a heartbeat). A claim is recovered when its lease ran out, or at once when its holder
is a process on this host that no longer exists (a killed backend).

Messages are stored before anything is streamed. A message that arrives while a turn runs is
stored with status "queued"; the process holding the claim drains queued messages in order.
Whoever stores a queued message tries to claim afterwards, and the drainer checks the queue
again after releasing, so a message is never left behind between the two.

A message being answered has status "" until its assistant message (``metadata.reply_to``)
exists. Whoever takes the claim knows no turn is in flight, so such a message without an
answer was orphaned by a dead (or stopped) turn: it goes back to the queue, in its place.
Answers are only begun under the claim (see runner._begin_turn), so none is begun twice.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

import psutil
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from sessions_app.models import ChatSession, Message

log = logging.getLogger(__name__)

QUEUED = "queued"
STREAMING = "streaming"


def _process_identity() -> str:
    started = int(psutil.Process().create_time())
    return f"{socket.gethostname()}:{os.getpid()}:{started}"


PROCESS_ID = _process_identity()


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "AGENT_TURN_LEASE", 60))


def holder_is_dead(holder: str) -> bool:
    """True when the claim's holder is a process of this host that no longer runs."""
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


def try_claim(chat_session_id: int) -> bool:
    """Take the turn of this chat session for this process; False when someone holds it."""
    now = timezone.now()
    sessions = ChatSession.objects.filter(pk=chat_session_id, status=ChatSession.Status.ACTIVE)
    claim = {"processing": True, "processing_since": now, "processing_by": PROCESS_ID}
    if sessions.filter(processing=False).update(**claim):
        _requeue_unanswered(chat_session_id)
        return True
    with transaction.atomic():
        if sessions.filter(processing=True, processing_since__lt=now - lease()).update(**claim):
            log.warning("recovered a turn claim whose lease ran out")
            _close_abandoned_messages(chat_session_id)
            _requeue_unanswered(chat_session_id)
            return True
        holder = sessions.filter(processing=True).values_list("processing_by", flat=True).first()
        if holder is None or holder == PROCESS_ID or not holder_is_dead(holder):
            return False
        if not sessions.filter(processing_by=holder).update(**claim):
            return False
        log.warning("recovered the turn claim of a dead process")
        _close_abandoned_messages(chat_session_id)
        _requeue_unanswered(chat_session_id)
        return True


def _close_abandoned_messages(chat_session_id: int) -> None:
    """Assistant messages a dead turn left streaming keep their text, marked as cut short."""
    abandoned = Message.objects.filter(
        chat_session_id=chat_session_id, role=Message.Role.ASSISTANT, metadata__status=STREAMING
    )
    for message in abandoned:
        message.metadata = {**message.metadata, "status": "error", "error": "turn_lost"}
        note = "_(This answer was cut short: the server stopped during the turn.)_"
        message.content = f"{message.content}\n\n{note}".strip()
        message.save(update_fields=["metadata", "content"])


def awaiting_answer(chat_session_id: int) -> QuerySet[Message]:
    """Messages that started or wait for a turn (queued or being answered) and have no answer."""
    replies = (
        Message.objects.filter(
            chat_session_id=OuterRef("chat_session_id"), role=Message.Role.ASSISTANT
        )
        .annotate(reply_to=KeyTextTransform("reply_to", "metadata"))
        .filter(reply_to=Cast(OuterRef("pk"), CharField()))
    )
    return (
        Message.objects.filter(chat_session_id=chat_session_id, metadata__status__in=["", QUEUED])
        .exclude(role=Message.Role.ASSISTANT)
        .exclude(Exists(replies))
    )


def _requeue_unanswered(chat_session_id: int) -> None:
    """Called by the new holder of the claim: an unanswered message nobody answers is queued."""
    orphans = awaiting_answer(chat_session_id).filter(metadata__status="")
    for message in orphans.order_by("seq"):
        log.warning("re-queued a message whose turn was lost")
        message.metadata = {**message.metadata, "status": QUEUED}
        message.save(update_fields=["metadata"])


def holds_claim(chat_session_id: int) -> bool:
    """True when this process holds the claim; locks the session row until the transaction ends."""
    held = ChatSession.objects.select_for_update().filter(
        pk=chat_session_id, processing=True, processing_by=PROCESS_ID
    )
    return held.exists()


def heartbeat(chat_session_id: int) -> None:
    ChatSession.objects.filter(pk=chat_session_id, processing_by=PROCESS_ID).update(
        processing_since=timezone.now()
    )


def release(chat_session_id: int) -> None:
    ChatSession.objects.filter(pk=chat_session_id, processing_by=PROCESS_ID).update(
        processing=False, processing_since=None, processing_by=""
    )


def has_queued(chat_session_id: int) -> bool:
    return Message.objects.filter(chat_session_id=chat_session_id, metadata__status=QUEUED).exists()


def take_next_queued(chat_session_id: int) -> Message | None:
    """The oldest queued message, now marked as being answered; None unless we hold the claim
    (a holder whose lease was taken over must leave the queue to the new holder)."""
    with transaction.atomic():
        if not holds_claim(chat_session_id):
            return None
        message = (
            Message.objects.select_for_update()
            .filter(chat_session_id=chat_session_id, metadata__status=QUEUED)
            .order_by("seq")
            .first()
        )
        if message is None:
            return None
        message.metadata = {**message.metadata, "status": ""}
        message.save(update_fields=["metadata"])
    return message


def store_incoming(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str = "",
) -> tuple[Message, bool]:
    """Store a message (user text or a wallet outcome); (message, False) for a resend."""
    if client_msg_id:
        existing = chat_session.messages.filter(client_msg_id=client_msg_id).first()
        if existing is not None:
            return existing, False
    try:
        message = chat_session.add_message(role, text, metadata, client_msg_id=client_msg_id)
    except IntegrityError:  # the same resend raced us from another socket
        return chat_session.messages.get(client_msg_id=client_msg_id), False
    _update_session_after_message(chat_session, metadata.get("network"), text, role)
    return message, True


def _update_session_after_message(
    chat_session: ChatSession, network: str | None, text: str, role: str
) -> None:
    changes: dict[str, Any] = {}
    if network and network != chat_session.network:
        changes["network"] = network
    if role == Message.Role.USER and not chat_session.title:
        changes["title"] = title_from(text)
    if changes:
        ChatSession.objects.filter(pk=chat_session.pk).update(**changes)
        for name, value in changes.items():
            setattr(chat_session, name, value)


def title_from(text: str, limit: int = 60) -> str:
    """The first line of the first message, cut at a word boundary."""
    line = " ".join(text.strip().split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(",.;:") + "…"


def claim_and_store(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str = "",
) -> tuple[Message, bool, bool]:
    """(message, created, claimed): the message stored as queued unless this call took the turn
    with nothing waiting before it (e.g. a message re-queued on recovery keeps its place).

    A resend (same client_msg_id) stores nothing and gives the turn back (unless messages wait).
    """
    claimed = try_claim(chat_session.pk)
    first_in_line = claimed and not has_queued(chat_session.pk)
    metadata = {**metadata, "status": "" if first_in_line else QUEUED}
    try:
        message, created = store_incoming(chat_session, role, text, metadata, client_msg_id)
    except BaseException:
        if claimed:
            release(chat_session.pk)
        raise
    if claimed and not created:
        claimed = release_or_reclaim(chat_session.pk)
    return message, created, claimed


def release_or_reclaim(chat_session_id: int) -> bool:
    """Release the turn; True when a message queued meanwhile and this process took it back."""
    release(chat_session_id)
    return has_queued(chat_session_id) and try_claim(chat_session_id)
