"""Sockets and streams end with the login they were opened under (issue 27, finding 5: a socket
opened while signed in ran a whole turn after logout, while HTTP already answered 404).

Two halves, so that neither a missed message nor a quiet socket keeps a dead login alive:

- Pushed: logout sends ``login.ended`` to the group of the login's session key (every socket
  and stream opened with that cookie, on any backend process: the channel layer is Redis when
  configured), and a password change sends ``login.recheck`` to the user's group. A socket that
  gets one closes (ended) or re-checks its login (recheck: the session that changed the
  password stays signed in, the others do not).
- Pulled: before every frame of a signed-in socket, and at every keep-alive of a stream, the
  login is re-checked the way Django's auth middleware checks a request (``still_signed_in``).

Anonymous sockets have no login to lose: they are never checked, and no one's logout reaches
them (their groups are their own session key's).
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from sessions_app.owner import Owner, owner_digest

log = logging.getLogger(__name__)

ENDED = "login.ended"
RECHECK = "login.recheck"
CLOSE_SIGNED_OUT = 4401
SIGNED_OUT_CODE = "signed_out"
SIGNED_OUT_MESSAGE = "You signed out, or your password changed: reload the page."


def groups_of(owner: Owner | None) -> list[str]:
    """The groups a signed-in socket joins to hear that its login ended; none when anonymous."""
    if owner is None or owner.user_id is None or not owner.session_key:
        return []
    return [login_group(owner.session_key), user_group(owner.user_id)]


def login_group(session_key: str) -> str:
    # The digest, never the key: the key is the browser's live credential.
    return f"login.{owner_digest(session_key)[:40]}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def still_signed_in(owner: Owner | None) -> bool:
    """Whether the login the socket was opened under still holds: its session still exists and
    names the same user, who can still sign in, with the password of that login (Django's
    session auth hash, as django.contrib.auth.get_user checks it, without its side effects)."""
    if owner is None or owner.user_id is None:
        return True
    session = import_module(settings.SESSION_ENGINE).SessionStore(owner.session_key)
    backend_path = session.get(BACKEND_SESSION_KEY)
    if session.get(SESSION_KEY) != str(owner.user_id):
        return False
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    user = load_backend(backend_path).get_user(owner.user_id)
    if user is None:
        return False  # deleted, or no longer allowed to sign in
    return _hash_matches(str(session.get(HASH_SESSION_KEY) or ""), user)


def _hash_matches(session_hash: str, user: Any) -> bool:
    if not session_hash:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, known) for known in hashes)


def _send(group: str, kind: str) -> None:
    """Tell every socket of ``group``; a channel layer that fails must not fail the logout
    (the per-frame check still refuses those sockets)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": kind})
    except Exception:
        log.warning("could not tell the sockets of %s that a login ended", group, exc_info=True)


@receiver(user_logged_out, dispatch_uid="login_watch.logged_out")
def _logged_out(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:  # sent before the session is flushed: still the login's key
        _send(login_group(session_key), ENDED)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="login_watch.password")
def _password_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """set_password() leaves the raw password in ``_password`` until save() has run: the
    password changed (a form, the admin, ``changepassword``). Checked after commit, when
    other processes read the new hash."""
    if getattr(instance, "_password", None) is not None:
        group = user_group(instance.pk)
        transaction.on_commit(lambda: _send(group, RECHECK))
