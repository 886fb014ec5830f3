"""HTTP parity of the chat websocket, for clients without websockets.

POST /api/chat {session_id, message, network, client_msg_id?, wallet?, supersedes?} -> 202
with the stored message; the turn runs as a background task of the process that answered.
POST /api/interrupt {session_id}; POST /api/wallet {session_id, request_id, status, tx_hash?,
reason?}; GET /api/chat/stream?session_id= streams the websocket's events as Server-Sent
Events (session.state first). POSTs are CSRF-protected like every other (token: GET /api/csrf).

As on the websocket (issue 27): a stream holds one of its owner's and address's socket slots
(429 too_many_sockets when full), and ends with the login it was opened under; stop requests
and wallet answers count against CONTROL_EVENTS_PER_MINUTE (sessions_app/frame_guard.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from channels.layers import get_channel_layer
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from chatproject.lib import logcontext
from chatproject.lib.dbthreads import db
from chatproject.lib.errors import json_error
from sessions_app import events, limits, login_watch, manager, socket_slots
from sessions_app.api import allow, bad_request, read_json
from sessions_app.broadcast import EVENT_MESSAGE_TYPE, events_group
from sessions_app.chat import (
    interrupt as interrupt_turn,
)
from sessions_app.chat import (
    resume,
    session_state_event,
    submit_chat_message,
    submit_wallet_result,
)
from sessions_app.models import ChatSession
from sessions_app.owner import Owner, owner_from_request

SSE_KEEPALIVE_SECONDS = 15.0
STATUS_BY_CODE = {
    "session_expired": 410,
    "session_not_found": 404,
    "too_many_sessions": 429,
    "server_full": 503,
    "busy": 409,  # an edit or a regenerate while a turn runs
    "message_not_found": 404,
}


async def _owned_session(request: HttpRequest, public_id: object, active: bool) -> ChatSession:
    return (await _owner_and_session(request, public_id, active))[1]


async def _owner_and_session(
    request: HttpRequest, public_id: object, active: bool
) -> tuple[Owner, ChatSession]:
    owner = await db(owner_from_request)(request)
    lookup = manager.get_active_for_owner if active else manager.get_for_owner
    chat_session = await db(lookup)(public_id, owner)
    logcontext.bind(session=chat_session.public_id)
    return owner, chat_session


async def _body(request: HttpRequest) -> dict[str, Any]:
    return read_json(request)


def _event_error(exc: events.EventError) -> JsonResponse:
    return json_error(exc.code, exc.message, STATUS_BY_CODE.get(exc.code, 400))


@allow("POST")
async def chat(request: HttpRequest) -> HttpResponse:
    try:
        body = await _body(request)
        # Not only an active chat: a message in an ended one continues it (chat._reopening).
        owner, chat_session = await _owner_and_session(request, body.get("session_id"), False)
        event = events.validate_client_event(_as_chat_message(body))
        assert isinstance(event, events.ChatMessageIn)
        # As on the websocket: the limits are checked in the database call that stores.
        address = limits.address_of_request(request)
        message, created = await submit_chat_message(chat_session, event, owner, address)
    except ValueError as exc:
        if isinstance(exc, events.EventError):
            return _event_error(exc)
        return bad_request(exc)
    except (manager.ChatSessionError, limits.RateLimited) as exc:
        return exc.response()
    return JsonResponse({"message": message, "duplicate": not created}, status=202)


def _as_chat_message(body: dict[str, Any]) -> dict[str, Any]:
    keys: tuple[str, ...] = ("network", "client_msg_id", "wallet", "supersedes")
    fields: dict[str, Any] = {key: body[key] for key in keys if key in body}
    return {"type": "chat.message", "text": body.get("message"), **fields}


@allow("POST")
async def interrupt(request: HttpRequest) -> HttpResponse:
    try:
        body = await _body(request)
        owner, chat_session = await _owner_and_session(request, body.get("session_id"), False)
        await db(limits.check_control)(owner, limits.address_of_request(request))
    except ValueError as exc:
        return bad_request(exc)
    except (manager.ChatSessionError, limits.RateLimited) as exc:
        return exc.response()
    await interrupt_turn(chat_session)
    return JsonResponse({"interrupted": True}, status=202)


@allow("POST")
async def wallet_result(request: HttpRequest) -> HttpResponse:
    try:
        body = await _body(request)
        owner, chat_session = await _owner_and_session(request, body.get("session_id"), True)
        event = events.validate_client_event({**body, "type": "wallet.result"})
        assert isinstance(event, events.WalletResultIn)
        address = limits.address_of_request(request)
        await db(limits.check_control)(owner, address)
        message, _ = await submit_wallet_result(chat_session, event)
    except ValueError as exc:
        if isinstance(exc, events.EventError):
            return _event_error(exc)
        return bad_request(exc)
    except (manager.ChatSessionError, limits.RateLimited) as exc:
        return exc.response()
    return JsonResponse({"message": message}, status=202)


@allow("GET")
async def stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    try:
        owner, chat_session = await _owner_and_session(
            request, request.GET.get("session_id"), False
        )
    except manager.ChatSessionError as exc:
        return exc.response()
    layer = get_channel_layer()
    assert layer is not None
    slot = _Slot(
        limits.owner_keys(owner, limits.address_of_request(request)), await layer.new_channel()
    )
    refused = await db(socket_slots.acquire)(slot.keys, slot.channel)
    if refused is not None:
        return json_error("too_many_sockets", refused.message, 429)
    # A client gone before the first byte never runs the stream's cleanup: its slot lapses
    # by itself (socket_slots.SLOT_TTL_SECONDS).
    response = StreamingHttpResponse(
        _sse(chat_session, owner, slot), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


class _Slot:
    """The stream's channel and the socket slots it holds; renewed, and its login re-checked,
    every HEARTBEAT_SECONDS."""

    def __init__(self, keys: list[str], channel: str) -> None:
        self.keys = keys
        self.channel = channel
        self.checked = time.monotonic()

    def due(self) -> bool:
        return time.monotonic() - self.checked >= socket_slots.HEARTBEAT_SECONDS

    def renew_and_check(self, owner: Owner) -> bool:
        """Renew the slot; whether the stream's login still holds."""
        self.checked = time.monotonic()
        socket_slots.renew(self.keys, self.channel)
        return login_watch.still_signed_in(owner)


async def _sse(chat_session: ChatSession, owner: Owner, slot: _Slot) -> AsyncIterator[str]:
    """session.state, then every event of the session's group, until the client goes away or
    the login it was opened under ends."""
    layer = get_channel_layer()
    assert layer is not None
    groups = [events_group(chat_session.pk), *login_watch.groups_of(owner)]
    for group in groups:
        await layer.group_add(group, slot.channel)
    try:
        yield _frame(await session_state_event(chat_session))
        await resume(chat_session)
        async for frame in _events(layer, owner, slot):
            yield frame
    finally:
        for group in groups:
            await layer.group_discard(group, slot.channel)
        await db(socket_slots.release)(slot.keys, slot.channel)


async def _events(layer: Any, owner: Owner, slot: _Slot) -> AsyncIterator[str]:
    """The group's events as frames, keep-alives while quiet; ends with the login."""
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(slot.channel), SSE_KEEPALIVE_SECONDS)
        except TimeoutError:
            message = {"type": "keep-alive"}
        kind = message.get("type")
        signed_in = kind != login_watch.ENDED
        if kind == login_watch.RECHECK or (signed_in and slot.due()):
            signed_in = await db(slot.renew_and_check)(owner)
        if not signed_in:
            error = events.error(login_watch.SIGNED_OUT_CODE, login_watch.SIGNED_OUT_MESSAGE)
            yield _frame(error)
            return
        if kind == EVENT_MESSAGE_TYPE:
            for event in message["events"]:
                yield _frame(event)
        elif kind == "keep-alive":
            yield ": keep-alive\n\n"


def _frame(event: dict[str, Any]) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"
