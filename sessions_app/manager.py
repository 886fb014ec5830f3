"""The session manager (the seed's SessionManager): create, look up, touch, expire, close.

Every lookup of a chat session by its public id goes through ``get_for_owner``: a foreign id
and an unknown id raise the same ChatSessionNotFound, which every endpoint and the websocket
turn into the same answer.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.utils import timezone

from chatproject.errors import json_error
from sessions_app.models import ChatSession, Turn, WalletRequest
from sessions_app.owner import Owner

# Any constant works: it only names the lock that serializes creation on PostgreSQL.
_CREATE_LOCK_ID = 0x63686174


class ChatSessionError(Exception):
    code = "session_error"
    status = 400
    message = "Chat session error."

    def response(self) -> JsonResponse:
        return json_error(self.code, self.message, self.status)


class ChatSessionNotFound(ChatSessionError):
    code = "session_not_found"
    status = 404
    message = "No such chat session."


class SessionLimitReached(ChatSessionError):
    code = "server_full"
    status = 503

    def __init__(self, limit: int) -> None:
        self.message = (
            f"The server is full: {limit} chat sessions are active. "
            "Try again when one ends or expires."
        )
        super().__init__(self.message)


class TooManySessions(ChatSessionError):
    """One owner's cap (MAX_SESSIONS_PER_OWNER): one browser cannot fill the deployment."""

    code = "too_many_sessions"
    status = 429

    def __init__(self, limit: int) -> None:
        self.message = (
            f"You already have {limit} active chat sessions, the most one browser or user may "
            "have. Close one, or wait until one expires, to start another."
        )
        super().__init__(self.message)


class ChatSessionFull(ChatSessionError):
    code = "session_full"
    status = 409

    def __init__(self, cap: int) -> None:
        self.message = (
            f"This chat session has reached its {cap} messages; start a new chat to go on."
        )
        super().__init__(self.message)


class ChatSessionInactive(ChatSessionError):
    code = "session_expired"
    status = 410

    def __init__(self, status: str) -> None:
        self.message = f"This chat session is {status} and accepts no new messages."
        super().__init__(self.message)


def create_chat_session(owner: Owner, network: str = "testnet") -> ChatSession:
    """A new chat session for ``owner``, unless the owner has MAX_SESSIONS_PER_OWNER active
    sessions or the deployment MAX_SESSIONS."""
    with transaction.atomic():
        _serialize_creation()
        ChatSession.objects.expire_stale()
        per_owner = settings.MAX_SESSIONS_PER_OWNER
        if per_owner > 0 and ChatSession.objects.for_owner(owner).active().count() >= per_owner:
            raise TooManySessions(per_owner)
        limit = settings.MAX_SESSIONS
        if ChatSession.objects.active().count() >= limit:
            raise SessionLimitReached(limit)
        return ChatSession.objects.create(
            owner_key=owner.key_digest, user_id=owner.user_id, network=network
        )


def _serialize_creation() -> None:
    """Make count-then-insert atomic across threads and processes, until the commit.

    PostgreSQL: a transaction-scoped advisory lock (READ COMMITTED then lets the count see
    every session committed by the previous holder). SQLite: settings open every transaction
    with BEGIN IMMEDIATE, which already takes the database's single write lock. A thread lock
    is deliberately not used: released at the end of a nested atomic block while the outer
    transaction still holds the database lock, it could deadlock two threads.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK_ID])


def get_for_owner(
    public_id: object, owner: Owner | None, now: datetime | None = None
) -> ChatSession:
    """The owner's chat session; an unknown, malformed or foreign id raises the same error.

    A session found idle past SESSION_TIMEOUT is expired on the spot, so the answer never
    depends on whether the cleanup loop has run yet.
    """
    if owner is None or not isinstance(public_id, str) or not 0 < len(public_id) <= 64:
        raise ChatSessionNotFound()
    if "\x00" in public_id:  # PostgreSQL refuses NUL in text: a 500 (tests/abuse fuzzing)
        raise ChatSessionNotFound()
    try:
        chat_session = ChatSession.objects.for_owner(owner).get(public_id=public_id)
    except ChatSession.DoesNotExist:
        raise ChatSessionNotFound() from None
    if chat_session.is_stale(now):
        _expire_if_still_stale(chat_session, now)
    return chat_session


def get_active_for_owner(
    public_id: object, owner: Owner | None, now: datetime | None = None
) -> ChatSession:
    """Like get_for_owner, but also refuses sessions that no longer accept messages."""
    chat_session = get_for_owner(public_id, owner, now)
    if not chat_session.is_active:
        raise ChatSessionInactive(chat_session.status)
    return chat_session


def touch(chat_session: ChatSession) -> None:
    now = timezone.now()
    ChatSession.objects.filter(pk=chat_session.pk).update(last_activity_at=now)
    chat_session.last_activity_at = now


def expire(chat_session: ChatSession) -> None:
    _end(chat_session, ChatSession.Status.EXPIRED)


def close(chat_session: ChatSession) -> None:
    _end(chat_session, ChatSession.Status.CLOSED)


def _expire_if_still_stale(chat_session: ChatSession, now: datetime | None) -> None:
    # The staleness test is repeated in the UPDATE: a message that touched the session after
    # it was read must win over the expiry.
    ChatSession.objects.filter(pk=chat_session.pk).expire_stale(now)
    _refresh_state(chat_session)


def _end(chat_session: ChatSession, status: str) -> None:
    with transaction.atomic():
        ended = ChatSession.objects.filter(pk=chat_session.pk, status=ChatSession.Status.ACTIVE)
        if ended.update(status=status):
            Turn.objects.filter(chat_session=chat_session).end_all()
            WalletRequest.objects.filter(chat_session=chat_session).cancel_pending()
    _refresh_state(chat_session)


def _refresh_state(chat_session: ChatSession) -> None:
    chat_session.refresh_from_db(fields=["status", "last_activity_at"])


def expire_stale(now: datetime | None = None) -> list[int]:
    """Expire every session idle past SESSION_TIMEOUT; returns the ids of those it expired."""
    return ChatSession.objects.expire_stale(now)
