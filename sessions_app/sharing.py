"""Share a chat read-only by link, and take the link back (issue 32).

The link carries an unguessable token, never the chat's id. The page it opens is rendered
here, on the server, from the conversation as it was when shared; it shows no session id,
no owner, no pending wallet request, and asks search engines to stay away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from sessions_app import manager
from sessions_app.api import allow
from sessions_app.conversation import Ref, find_refs, result_payload, shown_messages
from sessions_app.models import ChatSession, Message, SharedChat
from sessions_app.owner import owner_from_request

NOINDEX = "noindex, nofollow"


@allow("POST")
def share(request: HttpRequest, public_id: str) -> JsonResponse:
    """The chat's link (made, or the live one with the chat as it is now); owner only."""
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    shared = share_chat(chat_session)
    url = request.build_absolute_uri(reverse("shared-chat", args=[shared.token]))
    return JsonResponse({"url": url, "shared_at": shared.shared_at.isoformat()})


@allow("POST")
def unshare(request: HttpRequest, public_id: str) -> JsonResponse:
    """Revokes the chat's link: from now on it answers 404."""
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
    except manager.ChatSessionError as exc:
        return exc.response()
    revoked = SharedChat.objects.live().filter(chat_session=chat_session)
    return JsonResponse({"unshared": bool(revoked.update(revoked_at=timezone.now()))})


def share_chat(chat_session: ChatSession) -> SharedChat:
    """The live link of the chat, cut off at its latest message. The chat's row is locked, so
    two shares at once make one link."""
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().only("message_seq")
        seq = locked.get(pk=chat_session.pk).message_seq
        live = SharedChat.objects.live().filter(chat_session=chat_session).first()
        if live is None:
            return SharedChat.objects.create(chat_session=chat_session, upto_seq=seq)
        live.upto_seq, live.shared_at = seq, timezone.now()
        live.save(update_fields=["upto_seq", "shared_at"])
        return live


@dataclass
class SharedCall:
    tool: str
    network: str
    arguments: str
    result: str
    is_error: bool
    refs: list[Ref] = field(default_factory=list)


@dataclass
class SharedMessage:
    role: str
    text: str
    html: str = ""
    calls: list[SharedCall] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)


def shared_page(request: HttpRequest, token: str) -> HttpResponse:
    shared = SharedChat.objects.live().filter(token=token[:64]).select_related("chat_session")
    found = shared.first()
    if found is None:
        return _noindex(render(request, "shared_missing.html", status=404))
    chat_session = found.chat_session
    messages = shown_messages(chat_session, found.upto_seq, found.shared_at)
    context = {
        "title": chat_session.title or "Shared chat",
        "network": chat_session.network,
        "shared_at": found.shared_at,
        "messages": [_shared_message(m) for m in messages],
    }
    return _noindex(render(request, "shared.html", context))


def _noindex(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = NOINDEX
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


def _shared_message(message: Message) -> SharedMessage:
    if message.role == Message.Role.ASSISTANT:
        html = message.rendered
        calls = [_shared_call(call) for call in getattr(message, "calls", [])]
        return SharedMessage(message.role, message.content, html=html, calls=calls)
    refs: list[Ref] = []
    if message.role == Message.Role.SYSTEM:  # a wallet outcome: its hash, with its link
        network = str(message.metadata.get("network") or "")
        refs = find_refs({"tx_hash": message.metadata.get("tx_hash") or ""}, network)
    return SharedMessage(message.role, message.content, refs=refs)


def _shared_call(call: Any) -> SharedCall:
    payload = result_payload(call)
    return SharedCall(
        tool=call.tool,
        network=call.network,
        arguments=_pretty(call.arguments),
        result=_pretty(payload),
        is_error=call.is_error,
        refs=[] if call.is_error else find_refs(payload, call.network),
    )


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)
