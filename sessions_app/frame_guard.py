"""Limits on what a client sends over an open socket (issue 27, finding 10).

- Every frame, whatever its type (even one that does not parse), takes a token of its socket's
  bucket: SOCKET_FRAMES_PER_SECOND, with bursts of BURST_SECONDS worth. Counted in the socket's
  own memory: a socket lives on one process.
- chat.interrupt and wallet.result count against the owner's and the address's
  CONTROL_EVENTS_PER_MINUTE (limits.check_control), as chat.message counts against its own.
- The limits come before any database work. A wallet.result that passes them reaches the
  transaction that records it (WalletRequest.answer locks the request row) only when a pending
  request of its id exists: chat.submit_wallet_result reads that first (one indexed read), so
  300 answers to nothing no longer open 300 write transactions
  (tests/abuse/test_wallet_answer_flood_writes_nothing.py).
"""

from __future__ import annotations

import math
import time

from django.conf import settings

from sessions_app import limits, manager
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

BURST_SECONDS = 3.0


class FrameBucket:
    """A token bucket of one socket's frames."""

    def __init__(self) -> None:
        self.rate = float(settings.SOCKET_FRAMES_PER_SECOND)
        self.capacity = max(1.0, self.rate * BURST_SECONDS)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self) -> None:
        """Count one frame; raise limits.RateLimited when the socket sends faster than allowed."""
        if self.rate <= 0:
            return  # 0 turns the limit off
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            wait = max(1, math.ceil((1 - self.tokens) / self.rate))
            raise FramesTooFast(self.rate, wait)
        self.tokens -= 1


class FramesTooFast(limits.RateLimited):
    def __init__(self, rate: float, retry_after: int) -> None:
        super().__init__("frames", 0, retry_after, "rate_limited")
        self.message = (
            f"Too many messages on this connection: the limit is {rate:g} per second. "
            f"Try again in {retry_after} s."
        )
        self.args = (self.message,)


def wallet_answer_session(public_id: str, owner: Owner | None, address: str) -> ChatSession:
    """The websocket's wallet.result: the limits first (no database work for a refused frame),
    then the session through the owner check (it may have expired or closed). Raises
    limits.RateLimited or manager.ChatSessionError."""
    limits.check_control(owner, address)
    return manager.get_active_for_owner(public_id, owner)
