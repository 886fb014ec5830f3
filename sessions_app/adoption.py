"""Signing in asks before the browser's anonymous chats join the account (issue 27, item 11).

Login keeps the browser's session data while it changes the session key, and with it
owner.BROWSER_KEY: the key the anonymous chats were made under. Nothing moves at login; the page
asks "Keep these N chats in your account?", and only the answer (POST /accounts/adopt/, from
this browser's own session) moves them. A chat waiting for a wallet answer never moves: the
request was prepared for the anonymous browser, and it would otherwise reach the account's
other browsers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from sessions_app.models import ChatSession, WalletRequest
from sessions_app.owner import BROWSER_KEY, owner_digest


@dataclass(frozen=True)
class Adoptable:
    chats: int  # would join the account
    held: int  # wait for a wallet answer: they stay out


def _previous_key(request: HttpRequest) -> str:
    """The key this browser's anonymous chats were made under, once it signed in; else ""."""
    user = getattr(request, "user", None)
    previous_key = request.session.get(BROWSER_KEY) if hasattr(request, "session") else None
    if user is None or not user.is_authenticated or not previous_key:
        return ""
    if previous_key == request.session.session_key:
        return ""  # not yet signed in from this session
    return str(previous_key)


def _anonymous_chats(request: HttpRequest) -> QuerySet[ChatSession]:
    previous_key = _previous_key(request)
    if not previous_key:
        return ChatSession.objects.none()
    return ChatSession.objects.filter(user__isnull=True, owner_key=owner_digest(previous_key))


def _waiting() -> Exists:
    """The chat has a wallet request still waiting for its answer."""
    return Exists(WalletRequest.objects.pending().filter(chat_session=OuterRef("pk")))


def adoptable(request: HttpRequest) -> Adoptable:
    """What the prompt offers: this browser's anonymous chats from before it signed in."""
    if not _previous_key(request):
        return Adoptable(chats=0, held=0)  # the usual page: not even a query to build
    chats = _anonymous_chats(request).filter(message_seq__gt=0)
    return Adoptable(chats=chats.filter(~_waiting()).count(), held=chats.filter(_waiting()).count())


def adopt(request: HttpRequest) -> Adoptable:
    """Move this browser's anonymous chats into the signed-in account, one UPDATE; those
    with a pending wallet request stay (the key is kept while they remain, to ask again)."""
    chats = _anonymous_chats(request)
    new_owner = owner_digest(request.session.session_key or "")
    moved = chats.filter(~_waiting()).update(user=request.user, owner_key=new_owner)
    held = chats.filter(_waiting()).count()
    if not held:
        request.session.pop(BROWSER_KEY, None)
    return Adoptable(chats=moved, held=held)


def decline(request: HttpRequest) -> None:
    """ "Not now": the chats stay anonymous, and the browser is not asked again."""
    request.session.pop(BROWSER_KEY, None)
