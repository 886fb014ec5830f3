"""The chat consumer at /ws/sessions/<id>/: one socket watching one chat session.

Owner-checked with manager.get_for_owner (a foreign and an unknown id both close with 4404).
On connect it sends ``session.state`` with the full history; every other event arrives through
the session's channel-layer group, so all sockets of a session, on any backend process, see it.
While open it watches the session's idle deadline (sessions_app/idle.py).

Abuse limits (issue 27): each socket holds a slot of its owner's and its address's
(sessions_app/socket_slots.py, close 4429 when full); every frame takes a token of the
socket's bucket and stop requests and wallet answers count per owner and address
(sessions_app/frame_guard.py); a signed-in socket ends with its login (logout, password
change: sessions_app/login_watch.py, close 4401).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import DatabaseError

from chatproject.lib import logcontext
from chatproject.lib.dbthreads import db
from chatproject.lib.metrics import ERRORS, OPEN_WEBSOCKETS
from sessions_app import events, frame_guard, idle, limits, login_watch, manager, socket_slots
from sessions_app.broadcast import events_group
from sessions_app.chat import (
    DATABASE_UNAVAILABLE,
    interrupt,
    resume,
    session_state_event,
    submit_chat_message,
    submit_wallet_result,
)
from sessions_app.models import ChatSession
from sessions_app.owner import Owner, owner_from_scope

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_SOCKETS = 4429


class ChatConsumer(AsyncJsonWebsocketConsumer):
    chat_session: ChatSession | None = None
    owner: Owner | None = None
    address: str = ""
    group: str = ""
    idle_watch: asyncio.Task[None] | None = None
    heartbeat: asyncio.Task[None] | None = None
    frames: frame_guard.FrameBucket
    slot_keys: list[str] = []
    login_groups: list[str] = []

    async def connect(self) -> None:
        public_id = self.scope["url_route"]["kwargs"].get("session_id")
        self.owner = owner_from_scope(self.scope)
        self.address = limits.address_of_scope(self.scope)
        self.frames = frame_guard.FrameBucket()
        await self.accept()
        try:
            self.chat_session = await db(manager.get_for_owner)(public_id, self.owner)
        except manager.ChatSessionNotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not await self._take_slot():
            self.chat_session = None  # no frame of this socket is handled any more
            return
        logcontext.bind(session=self.chat_session.public_id)
        OPEN_WEBSOCKETS.inc()
        self.group = events_group(self.chat_session.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.login_groups = login_watch.groups_of(self.owner)
        for group in self.login_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        if self.login_groups and not await db(login_watch.still_signed_in)(self.owner):
            await self._signed_out()  # ended before this socket could hear of it
            return
        state = await session_state_event(self.chat_session)
        await self.send_json(state)
        if state["session"]["processing"]:  # a turn waits, or its process may be gone
            await resume(self.chat_session)
        self._watch_idle()
        self.heartbeat = asyncio.create_task(self._renew_slot())

    def _watch_idle(self) -> None:
        """The tab learns of an idle expiry when it happens, not at its next message. A watch
        ends with its chat; one that reopens gets a new watch."""
        if self.chat_session is not None and (self.idle_watch is None or self.idle_watch.done()):
            self.idle_watch = asyncio.create_task(idle.watch(self.chat_session, self.owner))

    async def _take_slot(self) -> bool:
        """A slot of the owner's and the address's; when either is full, say so and close."""
        keys = limits.owner_keys(self.owner, self.address)
        refused = await db(socket_slots.acquire)(keys, self.channel_name)
        if refused is not None:
            await self.send_error("too_many_sockets", refused.message)
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return False
        self.slot_keys = keys
        return True

    async def _renew_slot(self) -> None:
        while True:
            await asyncio.sleep(socket_slots.HEARTBEAT_SECONDS)
            await db(socket_slots.renew)(self.slot_keys, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels closes the stale database connections of its sync thread before every
        message, a thread hop each (a turn sends six events to every socket). This consumer's
        database work runs on the chat's database threads (chatproject/lib/dbthreads.py), which
        manage their own connections; only connect (the auth middleware's lookups) keeps it,
        and disconnect does it itself."""
        if message["type"] == "websocket.connect":
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        for task in (self.idle_watch, self.heartbeat):
            if task is not None:
                task.cancel()
        if self.slot_keys:
            await db(socket_slots.release)(self.slot_keys, self.channel_name)
        if self.group:
            OPEN_WEBSOCKETS.dec()
            await self.channel_layer.group_discard(self.group, self.channel_name)
        for group in self.login_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.chat_session is None:
            return
        try:
            self.frames.take()  # every frame, before any parsing
            event = events.parse_client_event(text_data or bytes_data)
            if self.login_groups and not await db(login_watch.still_signed_in)(self.owner):
                await self._signed_out()  # the logout's message may still be on its way
                return
            await self._handle(event)
        except events.EventError as exc:
            await self.send_error(exc.code, exc.message)
        except limits.RateLimited as exc:
            ERRORS.labels(exc.code).inc()
            await self.send_json(exc.frame())
        except DatabaseError:
            # The database is unreachable: say so and keep the socket (tests/faults).
            log.warning("database unavailable while handling a frame", exc_info=True)
            await self.send_error(*DATABASE_UNAVAILABLE)

    async def _handle(
        self, event: events.ChatMessageIn | events.ChatInterruptIn | events.WalletResultIn
    ) -> None:
        assert self.chat_session is not None
        if isinstance(event, events.ChatMessageIn):
            # The limits, the owner and the activity are checked in the database call that
            # stores the message.
            await submit_chat_message(self.chat_session, event, self.owner, self.address)
            self._watch_idle()  # a message may have reopened an ended chat: watch it again
        elif isinstance(event, events.WalletResultIn):
            await submit_wallet_result(await self._answered_session(), event)
        else:
            await db(limits.check_control)(self.owner, self.address)
            await interrupt(self.chat_session)

    async def _answered_session(self) -> ChatSession:
        """The session re-read through the owner check (it may have expired or closed), once
        the answer passed the limits."""
        assert self.chat_session is not None
        public_id = self.chat_session.public_id
        answered = frame_guard.wallet_answer_session
        try:
            return await db(answered)(public_id, self.owner, self.address)
        except manager.ChatSessionInactive as exc:
            raise events.EventError("session_expired", exc.message) from None
        except manager.ChatSessionNotFound as exc:
            raise events.EventError(exc.code, exc.message) from None

    async def send_error(self, code: str, message: str) -> None:
        ERRORS.labels(code).inc()
        await self.send_json(events.error(code, message))

    async def chat_event(self, message: dict[str, Any]) -> None:
        """Group events (see sessions_app.broadcast): forwarded to the browser as they are,
        a frame each."""
        for event in message["events"]:
            await self.send_json(event)

    async def turn_interrupt(self, message: dict[str, Any]) -> None:
        """Control messages are for the turn runner; a socket ignores them."""

    async def login_ended(self, message: dict[str, Any]) -> None:
        """The login this socket was opened under signed out (sessions_app/login_watch.py)."""
        await self._signed_out()

    async def login_recheck(self, message: dict[str, Any]) -> None:
        """The user's password changed: this socket's login may be one it ended."""
        if not await db(login_watch.still_signed_in)(self.owner):
            await self._signed_out()

    async def _signed_out(self) -> None:
        self.chat_session = None  # frames already on their way are not handled
        await self.send_error(login_watch.SIGNED_OUT_CODE, login_watch.SIGNED_OUT_MESSAGE)
        await self.close(code=login_watch.CLOSE_SIGNED_OUT)
