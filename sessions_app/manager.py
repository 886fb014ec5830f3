"""The session manager (the seed's SessionManager): create, look up, touch, expire, close,
reopen.

Every lookup of a chat session by its public id goes through ``get_for_owner``: a foreign id
and an unknown id raise the same ChatSessionNotFound, which every endpoint and the websocket
turn into the same answer.

The caps (MAX_SESSIONS for the deployment, MAX_SESSIONS_PER_OWNER, MAX_SESSIONS_PER_ADDRESS)
count chats that hold a *place*: a chat takes one with its first message (``take_place``),
and gives it back when it ends. A tab that opens a chat and never writes takes none, so it
locks nobody out, and it expires after EMPTY_SESSION_TIMEOUT. Creation itself takes no lock
and sweeps nothing: it is refused early when a cap is already reached, which the first
message then enforces exactly.

Expiry and Close only free what an active chat holds (its place, its turns, a pending wallet
request): a message in an ended chat reopens it (``reopen``), history and network kept.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterator
from datetime import datetime
from itertools import chain
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import JsonResponse
from django.utils import timezone

from chatproject.lib.errors import json_error
from sessions_app.models import ChatSession, Turn, WalletRequest, idle_cutoffs
from sessions_app.owner import Owner


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


class TooManyFromAddress(ChatSessionError):
    """One client address's cap (MAX_SESSIONS_PER_ADDRESS): dropping the cookie to become a
    new owner each time does not take the deployment's places either."""

    code = "too_many_sessions"
    status = 429

    def __init__(self, limit: int) -> None:
        self.message = (
            f"{limit} chats are already active from your network address, the most one address "
            "may have. Close one, or wait until one expires, to start another."
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
    """Raised where an ended chat cannot act (a tool call, a wallet answer); a user message
    reopens it instead (``reopen``)."""

    code = "session_expired"
    status = 410

    def __init__(self, status: str) -> None:
        self.message = f"This chat is {status}: write in it to continue it."
        super().__init__(self.message)


def create_chat_session(owner: Owner, network: str = "testnet", address: str = "") -> ChatSession:
    """A new, empty chat for ``owner`` from client ``address``. It holds no place until its
    first message; it is refused at once when that message could not take one anyway (the
    owner's, the address's or the deployment's cap already reached). No lock: the exact
    check is ``take_place``'s."""
    check_room(owner, address)
    return store_chat_session(owner, network, address)


def check_room(owner: Owner, address: str) -> None:
    """Raises when a chat of ``owner`` from ``address`` could not take a place now."""
    _check_room_for(_unsaved(owner, address))


def store_chat_session(owner: Owner, network: str, address: str) -> ChatSession:
    """``create_chat_session`` for a caller that has just run ``check_room`` itself."""
    chat_session = _unsaved(owner, address, network)
    chat_session.save(force_insert=True)
    return chat_session


def _unsaved(owner: Owner, address: str, network: str = "testnet") -> ChatSession:
    candidate = ChatSession(owner_key=owner.key_digest, user_id=owner.user_id, network=network)
    candidate.address_key = address_digest(address)
    return candidate


def _check_room_for(candidate: ChatSession) -> None:
    """The owner's, the address's and the deployment's caps, counted in one query."""
    placed = _places_held(candidate)
    _check_scoped_caps(candidate, placed)
    if placed.total >= settings.MAX_SESSIONS:
        raise SessionLimitReached(settings.MAX_SESSIONS)


def take_place(chat_session: ChatSession) -> None:
    """Before a chat's user message: the chat takes its place among the active ones, unless the
    owner's, the address's or the deployment's cap is reached (raises). A chat that holds one
    costs no query. Concurrent first messages of one owner or address queue on a lock of
    their own (an advisory lock); the deployment's places are a unique index, so no lock is
    shared by everyone."""
    if chat_session.place is not None:
        return
    with transaction.atomic():
        _lock_scopes(chat_session)
        stored = ChatSession.objects.filter(pk=chat_session.pk)
        current = stored.values_list("place", "status").first()
        if current is None or current[0] is not None or current[1] != ChatSession.Status.ACTIVE:
            # Gone or ended: the store refuses it with the right answer. Placed: by another tab.
            chat_session.place = current[0] if current else None
            return
        _check_scoped_caps(chat_session)
        chat_session.place = _claim_a_place(chat_session)


def reopen(chat_session: ChatSession, owner: Owner | None = None) -> None:
    """Writing in an ended chat (idle-expired or closed) continues it: the same row, its
    messages and network kept. It becomes active again and takes a place like a first message,
    so it is refused (TooManySessions, TooManyFromAddress, SessionLimitReached) only when a cap
    counts that many chats active *now*; a refusal leaves it ended. With ``owner``, a chat that
    is no longer theirs raises ChatSessionNotFound."""
    ChatSession.objects.filter(pk=chat_session.pk).expire_stale()  # idle, not expired yet
    scope = ChatSession.objects.all() if owner is None else ChatSession.objects.for_owner(owner)
    with transaction.atomic():
        if not scope.filter(pk=chat_session.pk).exists():
            raise ChatSessionNotFound()
        chat_session.reopen()
        _refresh_state(chat_session)
        take_place(chat_session)


def check_room_to_reopen(chat_session: ChatSession) -> None:
    """Raises when ``chat_session``, if ended, could not become active again now."""
    if not chat_session.is_active:
        _check_room_for(chat_session)


def address_digest(address: str) -> str:
    """What a chat stores of the client address that created it: a keyed hash, compared for
    equality only (an address is personal data, and the database needs no more)."""
    if not address:
        return ""
    key = f"chat-address:{settings.SECRET_KEY}".encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


# The owner's places (the for_owner rule), the address's and everyone's, among the chats
# that hold one (ChatSession.objects.holding_places).
_PLACES_HELD = (  # SQL of constants: the table and the two owner rules below
    "SELECT count(*) FILTER (WHERE {owner}),"  # noqa: S608
    " count(*) FILTER (WHERE address_key = %s), count(*)"
    f" FROM {ChatSession._meta.db_table}"
    " WHERE status = %s AND place IS NOT NULL AND last_activity_at >= %s"
)
PLACES_HELD_BY_USER = _PLACES_HELD.format(owner="user_id = %s")
PLACES_HELD_BY_BROWSER = _PLACES_HELD.format(owner="user_id IS NULL AND owner_key = %s")


class PlacesHeld(NamedTuple):
    """Places (``ChatSession.objects.holding_places``) held by one chat's owner, by its
    address, and by every chat."""

    owner: int
    address: int
    total: int


def _places_held(chat_session: ChatSession) -> PlacesHeld:
    """The three counts in one statement. Written as SQL because it runs for every new chat,
    and the ORM building the same COUNT ... FILTER query was a sixth of creating one
    (docs/benchmarks.md, "Opening a chat"); test_places_held_counts_what_holding_places_holds
    holds it to the ``holding_places`` rule and the ``for_owner`` rule."""
    idle_since, _ = idle_cutoffs()
    owner_param: int | str
    if chat_session.user_id is not None:
        sql, owner_param = PLACES_HELD_BY_USER, chat_session.user_id
    else:
        sql, owner_param = PLACES_HELD_BY_BROWSER, chat_session.owner_key
    params = (owner_param, chat_session.address_key, ChatSession.Status.ACTIVE, idle_since)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return PlacesHeld(*cursor.fetchone())


def _check_scoped_caps(chat_session: ChatSession, placed: PlacesHeld | None = None) -> None:
    """Raises when this chat's owner or address already holds its cap of places."""
    placed = _places_held(chat_session) if placed is None else placed
    per_owner = settings.MAX_SESSIONS_PER_OWNER
    if per_owner > 0 and placed.owner >= per_owner:
        raise TooManySessions(per_owner)
    per_address = settings.MAX_SESSIONS_PER_ADDRESS
    if chat_session.address_key and per_address > 0 and placed.address >= per_address:
        raise TooManyFromAddress(per_address)


def _lock_scopes(chat_session: ChatSession) -> None:
    """Serialize first messages of one owner and of one address until the commit (so a count
    sees the places taken before it). Taken in a fixed order: two never wait on each other."""
    scopes = [f"owner:{chat_session.owner_ref}"]
    if chat_session.address_key:
        scopes.append(f"address:{chat_session.address_key}")
    keys = sorted(_lock_key(scope) for scope in scopes)
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _lock_key(scope: str) -> int:
    return int.from_bytes(hashlib.sha256(scope.encode()).digest()[:8], "big", signed=True)


def _free_places() -> Iterator[int]:
    """The places below MAX_SESSIONS that no active chat holds, from a random one on
    (concurrent claims rarely want the same place), one at a time: never a list of them all,
    as MAX_SESSIONS may be large."""
    taken = set(
        ChatSession.objects.active().filter(place__isnull=False).values_list("place", flat=True)
    )
    start = random.randrange(settings.MAX_SESSIONS) if settings.MAX_SESSIONS > 0 else 0
    places = chain(range(start, settings.MAX_SESSIONS), range(start))
    return (place for place in places if place not in taken)


def _claim_a_place(chat_session: ChatSession) -> int:
    """A free place below MAX_SESSIONS, now this chat's. A place another chat takes at the same
    moment fails on the unique index (after that one commits): then the next one is tried.
    When none is free, sessions idle past their timeout give theirs back first (rare: the
    cleanup loop and the idle watch usually did it)."""
    for attempt in range(2):
        for place in _free_places():
            if _try_place(chat_session, place):
                return place
        if attempt == 0 and not expire_stale():
            break
    raise SessionLimitReached(settings.MAX_SESSIONS)


def _try_place(chat_session: ChatSession, place: int) -> bool:
    try:
        with transaction.atomic():  # a savepoint: a refused place spoils nothing else
            unplaced = ChatSession.objects.filter(pk=chat_session.pk, place__isnull=True)
            return bool(unplaced.update(place=place))
    except IntegrityError:
        return False


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
    """Like get_for_owner, but also refuses ended sessions (for what only an active chat does:
    a tool call of its turn, a wallet answer; a message reopens it instead)."""
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
        if ended.update(status=status, place=None):
            Turn.objects.filter(chat_session=chat_session).end_all()
            WalletRequest.objects.filter(chat_session=chat_session).cancel_pending()
    _refresh_state(chat_session)


def _refresh_state(chat_session: ChatSession) -> None:
    chat_session.refresh_from_db(fields=["status", "last_activity_at", "place", "message_seq"])


def expire_stale(now: datetime | None = None) -> list[int]:
    """Expire every session idle past SESSION_TIMEOUT (EMPTY_SESSION_TIMEOUT for those never
    written in); returns the ids of those it expired."""
    return ChatSession.objects.expire_stale(now)


def delete_expired_empty() -> int:
    """Chats that ended without a message hold nothing worth keeping: their rows go."""
    ended = ChatSession.objects.exclude(status=ChatSession.Status.ACTIVE)
    _, deleted = ended.filter(message_seq=0).delete()
    return deleted.get(ChatSession._meta.label, 0)
