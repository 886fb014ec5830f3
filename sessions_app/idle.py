"""A chat session's idle deadline (last activity + SESSION_TIMEOUT, or EMPTY_SESSION_TIMEOUT for
a chat never written in), and telling its tabs when it passes.

Every open socket watches its session's deadline (``watch``): when it arrives, the session is
re-read through the owner check, which expires it if it is still idle, and the expiry is
published to the session's group, so every socket and stream of the session, on any backend,
shows it in place. ``cleanup_sessions`` announces the sessions it expires the same way, for
tabs whose watch went with a backend restart. Nothing here runs per message: activity moves
the deadline in the database, and the watch finds it there when it wakes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from chatproject.lib.dbthreads import db
from sessions_app import events, manager
from sessions_app.broadcast import publish
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

log = logging.getLogger(__name__)

EXPIRED_MESSAGE = "This chat expired after a while without messages. Write here to continue it."
# asyncio may run a timer up to its clock resolution early; the session must be past its
# deadline when it is re-read, or the watch would wake again at once.
WAKE_MARGIN_SECONDS = 0.05
DATABASE_RETRY_SECONDS = 5.0


def expired_event() -> dict[str, Any]:
    """The event the page already shows in place for a chat closed in another tab."""
    return events.error("session_expired", EXPIRED_MESSAGE)


async def announce_expired(chat_session_ids: Iterable[int]) -> None:
    event = expired_event()
    for chat_session_id in chat_session_ids:
        await publish(chat_session_id, event)


def seconds_until_idle(chat_session: ChatSession) -> float:
    """Until the session's idle deadline: sooner for a chat never written in (a message since
    moves it on; the watch finds that when it re-reads the session)."""
    now = timezone.now()
    deadline = chat_session.last_activity_at + (now - chat_session.idle_cutoff(now))
    return max(0.0, (deadline - now).total_seconds())


async def watch(chat_session: ChatSession, owner: Owner | None) -> None:
    """Sleep to the session's idle deadline and re-read it, until it ends; announce it if it
    expired while watched (a closed or deleted session was announced by whoever ended it; a
    socket opened on an ended chat hears nothing: the page knows, from session.state)."""
    session: ChatSession | None = chat_session
    if not chat_session.is_active:
        return
    while session is not None and session.is_active:
        await asyncio.sleep(seconds_until_idle(session) + WAKE_MARGIN_SECONDS)
        session = await _reread(session, owner)
    if session is not None and session.status == ChatSession.Status.EXPIRED:
        await announce_expired([session.pk])


async def _reread(chat_session: ChatSession, owner: Owner | None) -> ChatSession | None:
    """The session as stored (expired now if still idle); None once it is not the owner's."""
    try:
        return await db(manager.get_for_owner)(chat_session.public_id, owner)
    except manager.ChatSessionNotFound:
        return None
    except DatabaseError:
        # The copy in hand is past its deadline: the next turn of the loop tries again.
        log.warning("idle check of a session failed, database unavailable; retrying")
        await asyncio.sleep(DATABASE_RETRY_SECONDS)
        return chat_session
