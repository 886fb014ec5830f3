"""The chat-session HTTP API: thin views over the session manager."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any, TypeVar, cast

from asgiref.sync import async_to_sync
from django.core.exceptions import RequestDataTooBig
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import ensure_csrf_cookie

from chatproject.lib.errors import json_error
from chatproject.lib.networks import UnknownNetwork, get_network
from chatproject.lib.textcheck import UNSTORABLE_MESSAGE, has_unstorable_text
from sessions_app import chat, events, limits, manager
from sessions_app.broadcast import LAYER_DOWN, publish
from sessions_app.chat import history_page
from sessions_app.models import ChatSession, ChatSessionQuerySet, Message
from sessions_app.owner import owner_from_request
from sessions_app.serializers import chat_session_dict

V = TypeVar("V", bound=Callable[..., Any])
logger = logging.getLogger(__name__)


def allow(method: str) -> Callable[[V], V]:
    """Like require_GET/require_POST, but the refusal is the API's JSON error, not an HTML 405;
    for sync and async views alike."""

    def refusal() -> JsonResponse:
        response = json_error("method_not_allowed", f"Use {method}.", 405)
        response["Allow"] = method
        return response

    def decorate(view: V) -> V:
        if inspect.iscoroutinefunction(view):

            @wraps(view)
            async def guarded_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if request.method != method:
                    return refusal()
                return await view(request, *args, **kwargs)

            return cast(V, guarded_async)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method != method:
                return refusal()
            return view(request, *args, **kwargs)

        return cast(V, guarded)

    return decorate


class BadBody(ValueError):
    """A refused request body; its text is written for the client (other ValueErrors' texts
    never reach it: see bad_request)."""


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object body; raises BadBody with a sentence for the client."""
    try:
        body = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        raise BadBody("The body is too large.") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser handles (found by tests/abuse fuzzing).
        raise BadBody("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadBody("The body must be a JSON object.")
    if has_unstorable_text(body):  # a lone surrogate was a 500 (tests/abuse)
        raise BadBody(UNSTORABLE_MESSAGE)
    return body


def bad_request(exc: ValueError) -> JsonResponse:
    """A 400 for a ValueError: its text only when it was written for the client."""
    if isinstance(exc, BadBody):
        return json_error("bad_request", str(exc), 400)
    logger.warning("request refused: %s", exc)  # the detail is for the operator
    return json_error("bad_request", "The request could not be used; check its fields.", 400)


@allow("GET")
@ensure_csrf_cookie
def csrf(request: HttpRequest) -> JsonResponse:
    """Hands non-browser clients the CSRF token that every POST must carry."""
    return JsonResponse({"csrf_token": get_token(request)})


def sessions(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        return create_session(request)
    if request.method == "GET":
        return list_sessions(request)
    response = json_error("method_not_allowed", "Use GET or POST.", 405)
    response["Allow"] = "GET, POST"
    return response


def create_session(request: HttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        network = get_network(body.get("network", "testnet")).name
    except ValueError as exc:
        return bad_request(exc)
    except UnknownNetwork as exc:
        return json_error("unknown_network", str(exc), 400, networks=exc.valid)
    owner = owner_from_request(request)
    try:
        address = limits.address_of_request(request)
        limits.check_session_create(owner, address)
        manager.check_room(owner, address)  # a refusal stores nothing, not even a session
        owner = owner_from_request(request, create=True)
        chat_session = manager.store_chat_session(owner, network, address)
    except (manager.ChatSessionError, limits.RateLimited) as exc:
        return exc.response()
    return JsonResponse({"session": chat_session_dict(chat_session, empty=True)}, status=201)


def list_sessions(request: HttpRequest) -> JsonResponse:
    owned = (
        ChatSession.objects.for_owner(owner_from_request(request))
        .with_busy()
        .with_pending_wallet_request()
        .order_by("-last_activity_at")[:100]
    )
    return JsonResponse({"sessions": [chat_session_dict(s) for s in owned]})


@allow("GET")
def session_detail(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    before = request.GET.get("before", "")
    if before and not is_seq_number(before):
        return json_error("bad_request", '"before" must be a message seq number.', 400)
    messages, has_more = history_page(chat_session, int(before) if before else None)
    body = {"session": chat_session_dict(chat_session), "messages": messages}
    return JsonResponse({**body, "has_more": has_more})


def is_seq_number(text: str) -> bool:
    """ASCII digits only, and few enough to be a seq: str.isdigit() also takes '²' and other
    digits int() refuses (a 500: tests/abuse/test_before_takes_ascii_digits_only.py)."""
    return text.isascii() and text.isdigit() and len(text) <= SEQ_MAX_DIGITS


SEQ_MAX_DIGITS = 10  # a PositiveIntegerField's largest value has 10 digits


CLOSED_MESSAGE = "This chat was closed in another tab. Write here to continue it."


@allow("POST")
def session_close(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    manager.close(chat_session)
    # Tabs showing this chat learn it at once (their socket can go); writing reopens it.
    announce(chat_session, events.error("session_expired", CLOSED_MESSAGE))
    return JsonResponse({"session": chat_session_dict(chat_session)})


CHATS_LIMIT = 50
SEARCH_MAX_CHARS = 200
# A search reads the messages of the owner's latest chats only, each by its index.
SEARCH_CHATS_MAX = 500


@allow("GET")
def chats(request: HttpRequest) -> JsonResponse:
    """The sidebar: this owner's chats that have messages, newest first; ``q`` searches titles
    and the text of the messages the page shows (not those an edit or a regenerate superseded).
    A new tab's empty session stays out of the list until its first message.
    """
    owned = ChatSession.objects.for_owner(owner_from_request(request)).filter(message_seq__gt=0)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    if query:
        owned = search_owned(owned, query)
    listed = owned.with_pending_wallet_request().order_by("-last_activity_at")[:CHATS_LIMIT]
    return JsonResponse({"chats": [chat_session_dict(s) for s in listed], "query": query})


def search_owned(owned: ChatSessionQuerySet, query: str) -> ChatSessionQuerySet:
    """The owner's chats whose title or shown messages contain ``query``. Their ids are read
    first, so the LIKE runs over their messages only (the messages index by chat), never over
    every owner's (tests/abuse/test_search_reads_only_the_owners_chats.py)."""
    latest = owned.order_by("-last_activity_at").values_list("pk", flat=True)
    mine = list(latest[:SEARCH_CHATS_MAX])
    in_messages = Message.objects.filter(
        chat_session_id__in=mine,
        content__icontains=query,
        role__in=[Message.Role.USER, Message.Role.ASSISTANT],
        superseded_at__isnull=True,
    ).values("chat_session_id")
    hits = Q(title__icontains=query) | Q(pk__in=in_messages)
    return ChatSession.objects.filter(pk__in=mine).filter(hits)


@allow("POST")
def session_rename(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
        title = " ".join(str(read_json(request).get("title", "")).split())
    except manager.ChatSessionError as exc:
        return exc.response()
    except ValueError as exc:
        return bad_request(exc)
    max_chars = ChatSession._meta.get_field("title").max_length or 120
    if not title or len(title) > max_chars:
        return json_error("bad_title", f"A title has 1 to {max_chars} characters.", 400)
    ChatSession.objects.filter(pk=chat_session.pk).update(title=title)
    chat_session.title = title
    return JsonResponse({"session": chat_session_dict(chat_session)})


@allow("POST")
def session_delete(request: HttpRequest, public_id: str) -> JsonResponse:
    """Deletes the chat and its history; open tabs of it show that it is gone."""
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    manager.close(chat_session)
    with suppress(*LAYER_DOWN):  # a running turn stops, wherever it runs (if Redis is there)
        async_to_sync(chat.interrupt)(chat_session)
    announce(chat_session, events.error("session_not_found", "This chat was deleted."))
    chat_session.delete()
    return JsonResponse({"deleted": public_id})


@allow("POST")
def session_supersede(request: HttpRequest, public_id: str) -> JsonResponse:
    """Edit or regenerate, step one (see chat.supersede_from); the page then sends the text."""
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
        superseded = chat.supersede_from(chat_session, read_json(request).get("message_id"))
    except manager.ChatSessionError as exc:
        return exc.response()
    except ValueError as exc:
        return bad_request(exc)
    except chat.SupersedeRefused as exc:
        return json_error(exc.code, exc.message, 404 if exc.code == "message_not_found" else 409)
    # Every tab of the chat redraws without the superseded messages.
    announce(chat_session, chat.session_state(chat_session))
    return JsonResponse({"superseded": superseded})


def announce(chat_session: ChatSession, event: dict[str, Any]) -> None:
    async_to_sync(publish)(chat_session.pk, event)
