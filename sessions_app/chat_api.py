"""HTTP parity of the chat websocket, for clients without websockets.

POST /api/chat {session_id, message, network, client_msg_id?, wallet?} -> 202 with the stored
message; the turn runs as a background task of the process that answered.
POST /api/interrupt {session_id}; POST /api/wallet {session_id, request_id, status, tx_hash?,
reason?}; GET /api/chat/stream?session_id= streams the websocket's events as Server-Sent
Events (session.state first). POSTs are CSRF-protected like every other (token: GET /api/csrf).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from channels.layers import get_channel_layer
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET, require_POST

from chatproject import logcontext
from chatproject.dbthreads import db
from chatproject.errors import json_error
from sessions_app import events, limits, manager
from sessions_app.api import bad_request, read_json
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
STATUS_BY_CODE = {"session_expired": 410, "session_not_found": 404}


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


@require_POST
async def chat(request: HttpRequest) -> HttpResponse:
    try:
        body = await _body(request)
        owner, chat_session = await _owner_and_session(request, body.get("session_id"), True)
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
    keys: tuple[str, ...] = ("network", "client_msg_id", "wallet")
    fields: dict[str, Any] = {key: body[key] for key in keys if key in body}
    return {"type": "chat.message", "text": body.get("message"), **fields}


@require_POST
async def interrupt(request: HttpRequest) -> HttpResponse:
    try:
        body = await _body(request)
        chat_session = await _owned_session(request, body.get("session_id"), active=False)
    except ValueError as exc:
        return bad_request(exc)
    except manager.ChatSessionError as exc:
        return exc.response()
    await interrupt_turn(chat_session)
    return JsonResponse({"interrupted": True}, status=202)


@require_POST
async def wallet_result(request: HttpRequest) -> HttpResponse:
    try:
        body = await _body(request)
        chat_session = await _owned_session(request, body.get("session_id"), active=True)
        event = events.validate_client_event({**body, "type": "wallet.result"})
        assert isinstance(event, events.WalletResultIn)
        message, _ = await submit_wallet_result(chat_session, event)
    except ValueError as exc:
        if isinstance(exc, events.EventError):
            return _event_error(exc)
        return bad_request(exc)
    except manager.ChatSessionError as exc:
        return exc.response()
    return JsonResponse({"message": message}, status=202)


@require_GET
async def stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    try:
        chat_session = await _owned_session(request, request.GET.get("session_id"), active=False)
    except manager.ChatSessionError as exc:
        return exc.response()
    response = StreamingHttpResponse(_sse(chat_session), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def _sse(chat_session: ChatSession) -> AsyncIterator[str]:
    """session.state, then every event of the session's group, until the client goes away."""
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    group = events_group(chat_session.pk)
    await layer.group_add(group, channel)
    try:
        yield _frame(await session_state_event(chat_session))
        await resume(chat_session)
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), SSE_KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if message.get("type") == EVENT_MESSAGE_TYPE:
                for event in message["events"]:
                    yield _frame(event)
    finally:
        await layer.group_discard(group, channel)


def _frame(event: dict[str, Any]) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"
