"""Per-owner and per-client-address limits: chat sessions, chat messages, agent turns and proxy
calls (sign-in attempts: auth_throttle.py); docs/security.md says what each defends and costs.

Each limit is a moving window of chatproject.lib.ratelimit (the `limits` library; in Redis, so
every backend process shares it; this process's memory while Redis fails): N per minute. The
owner's limit stops one browser or user; the address's (N times LIMIT_ADDRESS_FACTOR) stops a
client that drops its cookie to become a new owner each time. Call sites need one line:
``check_*`` raises RateLimited, which each transport answers its own way (``response`` for
HTTP 429 with Retry-After, ``frame`` for the websocket).
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from limits import RateLimitItemPerMinute

from chatproject.lib.errors import json_error
from chatproject.lib.ratelimit import limiter_for
from sessions_app import events
from sessions_app.owner import Owner

# limit name -> (settings name of its per-minute count, what the error message calls it)
LIMITS = {
    "sessions": ("SESSION_CREATES_PER_MINUTE", "new chat sessions"),
    "messages": ("CHAT_MESSAGES_PER_MINUTE", "chat messages"),
    "turns": ("AGENT_TURNS_PER_MINUTE", "agent turns"),
    "proxy_calls": ("PROXY_CALLS_PER_MINUTE", "tool calls"),
    "control": ("CONTROL_EVENTS_PER_MINUTE", "stop requests and wallet answers"),
}


class RateLimited(Exception):
    def __init__(self, what: str, per_minute: int, retry_after: int, code: str) -> None:
        self.code = code
        self.retry_after = retry_after
        self.message = (
            f"Too many {what}: the limit is {per_minute} per minute. Try again in {retry_after} s."
        )
        super().__init__(self.message)

    def response(self) -> JsonResponse:
        answer = json_error(self.code, self.message, 429, retry_after=self.retry_after)
        answer["Retry-After"] = str(self.retry_after)
        return answer

    def frame(self) -> dict[str, Any]:
        return {**events.error(self.code, self.message), "retry_after": self.retry_after}


def take(name: str, keys: list[str], code: str = "rate_limited") -> None:
    """Count one against the limit of every key (an owner, an address, a username)."""
    what = LIMITS[name][1]
    per_minute = _per_minute(name)
    if per_minute <= 0:
        return  # 0 turns the limit off
    for key in keys:
        factor = settings.LIMIT_ADDRESS_FACTOR if key.startswith("addr:") else 1
        count = per_minute * factor
        limit = RateLimitItemPerMinute(count)
        decision = limiter_for(settings.REDIS_URL).take(f"limit:{name}:{key}", limit)
        if not decision.allowed:
            raise RateLimited(what, count, max(1, math.ceil(decision.retry_after)), code)


def _per_minute(name: str) -> int:
    return int(getattr(settings, LIMITS[name][0]))


def owner_keys(owner: Owner | None, address: str) -> list[str]:
    keys = [f"addr:{address}"] if address else []
    if owner is not None and owner.user_id is not None:
        keys.insert(0, f"user:{owner.user_id}")
    elif owner is not None and owner.session_key:
        keys.insert(0, f"browser:{owner.key_digest}")
    return keys


def check_session_create(owner: Owner, address: str) -> None:
    take("sessions", owner_keys(owner, address), code="too_many_sessions")


def check_chat_message(owner: Owner | None, address: str) -> None:
    """A chat message, and the agent turn it starts. Both are counted when the message
    arrives, by the same events, so only the tighter of the two windows can ever refuse: it
    alone is counted (half the Redis round trips of a message)."""
    counted = [name for name in ("messages", "turns") if _per_minute(name) > 0]
    if counted:
        take(min(counted, key=_per_minute), owner_keys(owner, address))


def check_control(owner: Owner | None, address: str) -> None:
    """A chat.interrupt or a wallet.result (websocket frame or HTTP call): each costs database
    work and a channel-layer message, and only chat.message was limited (issue 27, finding 10)."""
    take("control", owner_keys(owner, address))


def check_proxy_call(owner: Owner, address: str) -> None:
    take("proxy_calls", owner_keys(owner, address))


def address_of_request(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the header the proxy in front sets."""
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        meta_name = "HTTP_" + header.upper().replace("-", "_")
        forwarded = str(request.META.get(meta_name, "")).split(",")[-1].strip()
        if forwarded:
            return forwarded
    return str(request.META.get("REMOTE_ADDR", ""))


def address_of_scope(scope: dict[str, Any]) -> str:
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        headers = dict(scope.get("headers") or [])
        forwarded = headers.get(header.lower().encode(), b"").decode("latin-1")
        if forwarded.split(",")[-1].strip():
            return forwarded.split(",")[-1].strip()
    client = scope.get("client") or ("",)
    return str(client[0] or "")
