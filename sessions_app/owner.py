"""Who owns a chat session: the browser's Django session, or a logged-in user.

Built the same way from an HTTP request and from a Channels scope, so that every
endpoint and the websocket apply the one ownership rule in ChatSessionQuerySet.for_owner.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Session data key holding the key the browser's anonymous chat sessions were made under:
# login cycles the session key but keeps the data, so after signing in this still names them,
# and the browser's own answer to "keep them?" moves them to the user (adoption.py).
BROWSER_KEY = "chat_browser_key"


@dataclass(frozen=True)
class Owner:
    session_key: str
    user_id: int | None = None

    @property
    def key_digest(self) -> str:
        return owner_digest(self.session_key)


def owner_digest(session_key: str) -> str:
    """What a chat session stores as its owner: a keyed hash of the browser's session key.

    The key itself is a live credential (the browser's session cookie): a database dump or a
    staff user in the admin must not be able to use it (tests/abuse/test_admin_owner_key.py).
    """
    if not session_key:
        return ""
    key = f"chat-owner:{settings.SECRET_KEY}".encode()
    return hmac.new(key, session_key.encode(), hashlib.sha256).hexdigest()


def owner_from_request(request: HttpRequest, create: bool = False) -> Owner:
    """The request's owner. Only a request that makes something to own (a new chat:
    ``create``) creates the browser session when it has none yet; a login makes its own.

    Any other request without a session owns nothing, which is the right answer to it: 300
    cookieless GETs, or POSTs, made 300 session rows (tests/abuse/
    test_requests_that_own_nothing_store_nothing.py).
    """
    if create and not request.session.session_key:
        request.session.create()
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    session_key = request.session.session_key or ""
    if user_id is None and session_key and request.session.get(BROWSER_KEY) != session_key:
        request.session[BROWSER_KEY] = session_key
    return Owner(session_key=session_key, user_id=user_id)


def owner_from_scope(scope: dict[str, Any]) -> Owner | None:
    """The websocket's owner, or None when the browser has no session yet (owns nothing)."""
    session = scope.get("session")
    session_key = getattr(session, "session_key", None) or ""
    user = scope.get("user")
    user_id = user.pk if user is not None and user.is_authenticated else None
    if not session_key and user_id is None:
        return None
    return Owner(session_key=session_key, user_id=user_id)
