"""One throttle for every way in (the admin's login, the accounts login, sign-up), and a bound
on the password hashes computed at once (docs/security.md, "Issue 27").

Attempts are counted per username, normalised the way Django's login form does (NFKC) and
then case-folded, so that full-width "admin" and "Admin" spend admin's attempts; and per client
address (LIMIT_ADDRESS_FACTOR times as many), so that trying many usernames is held back too.
Accounts made are also counted per address and hour. Every check comes before any password
is hashed: a refused attempt costs no hash.

A hash (PBKDF2, about half a second of CPU) runs only with one of PASSWORD_HASH_CONCURRENCY
slots; an attempt that gets none within a few seconds is told the server is busy, so a flood
of logins cannot take all the CPU the pages need.
"""

from __future__ import annotations

import hashlib
import math
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute

from chatproject.lib.errors import json_error
from chatproject.lib.ratelimit import limiter_for
from sessions_app.limits import address_of_request

HASH_SLOT_WAIT_SECONDS = 3.0
BUSY_RETRY_AFTER_SECONDS = 5


@dataclass
class AuthRefused(Exception):
    """An attempt turned away before its password was hashed: 429 (too many) or 503 (busy)."""

    status: int
    code: str
    message: str
    retry_after: int

    def response(self, request: HttpRequest) -> HttpResponse:
        """JSON for a client that asks for it, else a page with the sentence."""
        if _wants_json(request):
            answer: HttpResponse = json_error(
                self.code, self.message, self.status, retry_after=self.retry_after
            )
        else:
            context = {"message": self.message}
            answer = render(request, "accounts/refused.html", context, status=self.status)
        answer["Retry-After"] = str(self.retry_after)
        return answer


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def normalised_username(username: str) -> str:
    """The name as Django's login form reads it (NFKC), case-folded: one bucket per person."""
    return unicodedata.normalize("NFKC", username).casefold()[:150]


def _bucket(name: str) -> str:
    # A digest keeps the Redis key short and free of whatever bytes the form carried.
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _take(key: str, limit: RateLimitItem, message: str) -> None:
    decision = limiter_for(settings.REDIS_URL).take(f"limit:auth:{key}", limit)
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after))
        raise AuthRefused(429, "too_many_attempts", message.format(wait=wait), wait)


def check_login(request: HttpRequest, username: str) -> None:
    """Count one sign-in attempt (any path) against the username and the client address."""
    per_minute = settings.LOGINS_PER_MINUTE
    if per_minute <= 0:
        return  # 0 turns the throttle off
    message = "Too many sign-in attempts. Wait {wait} seconds, then try again."
    name = _bucket(normalised_username(username))
    _take(f"login:user:{name}", RateLimitItemPerMinute(per_minute), message)
    per_address = per_minute * settings.LIMIT_ADDRESS_FACTOR
    address = address_of_request(request)
    _take(f"login:addr:{address}", RateLimitItemPerMinute(per_address), message)


def check_signup(request: HttpRequest) -> None:
    """Count one account about to be made against the client address (per hour)."""
    per_hour = settings.SIGNUPS_PER_HOUR
    if per_hour <= 0:
        return
    message = "Too many new accounts from your network. Wait {wait} seconds, then try again."
    address = address_of_request(request)
    _take(f"signup:addr:{address}", RateLimitItemPerHour(per_hour), message)


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _semaphore() -> threading.BoundedSemaphore:
    """The process's slots, rebuilt when the setting changes (tests override it)."""
    global _slots
    size = max(1, int(settings.PASSWORD_HASH_CONCURRENCY))
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1]


@contextmanager
def hash_slot() -> Iterator[None]:
    """Hold one of the password-hash slots, or raise AuthRefused (503) after a short wait.

    Each request's sync view runs on a thread of its own under daphne (Django's ASGI handler),
    so the wait holds up only the attempt that waits.
    """
    slots = _semaphore()
    if not slots.acquire(timeout=HASH_SLOT_WAIT_SECONDS):
        message = "The server is busy checking other sign-ins. Try again in a few seconds."
        raise AuthRefused(503, "busy", message, BUSY_RETRY_AFTER_SECONDS)
    try:
        yield
    finally:
        slots.release()
