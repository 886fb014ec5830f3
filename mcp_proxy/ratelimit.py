"""The tool calls' limits, on the project's limiter (chatproject/lib/ratelimit.py).

The per-chat-session limit of the proxy is PROXY_RATE_LIMIT calls per second with bursts of
PROXY_RATE_BURST, that is PROXY_RATE_BURST calls per PROXY_RATE_BURST / PROXY_RATE_LIMIT
seconds (whole seconds, the library's unit). PROXY_RATE_LIMIT=0 turns it off.

Costly tools (logs over many blocks, big portfolios, ENS fan-out: mcp_proxy/costs.py) also draw
their cost from a budget of TOOL_COST_PER_MINUTE units per owner, and LIMIT_ADDRESS_FACTOR times
that per client address (``charge``): one visitor cannot spend the operator's paid RPC.
"""

from __future__ import annotations

import math

from django.conf import settings
from limits import RateLimitItemPerMinute

from chatproject.lib.ratelimit import limiter_for, per_second
from mcp_proxy.errors import ProxyError


def check(chat_session_id: str) -> None:
    """Count one call of the chat session; raise ProxyError rate_limited past its limit."""
    rate, burst = float(settings.PROXY_RATE_LIMIT), int(settings.PROXY_RATE_BURST)
    if rate <= 0:
        return  # PROXY_RATE_LIMIT=0 turns the limit off
    decision = limiter_for(settings.REDIS_URL).take(chat_session_id, per_second(rate, burst))
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after))
        message = f"Too many tool calls: this chat session may make {rate:g} per second."
        raise ProxyError("rate_limited", message, retry_after=wait)


def charge(owner_key: str, address_key: str, cost: int) -> None:
    """Draw ``cost`` units from the owner's budget and the client address's; raise ProxyError
    rate_limited (429) when one is spent, invalid_params when one call costs more than the
    whole budget. Keys are hashes (the caller's): no owner id reaches Redis."""
    per_minute = int(settings.TOOL_COST_PER_MINUTE)
    if per_minute <= 0 or cost <= 0:
        return  # TOOL_COST_PER_MINUTE=0 turns the budgets off; cheap calls cost nothing
    if cost > per_minute:
        message = (
            "This call would cost more than a minute's budget of costly tool calls allows: "
            "narrow the block range or ask for fewer tokens or names."
        )
        raise ProxyError("invalid_params", message)
    budgets = [(f"cost:owner:{owner_key}", per_minute)] if owner_key else []
    if address_key:
        budgets.append((f"cost:addr:{address_key}", per_minute * settings.LIMIT_ADDRESS_FACTOR))
    for key, units in budgets:
        decision = limiter_for(settings.REDIS_URL).take(key, RateLimitItemPerMinute(units), cost)
        if not decision.allowed:
            wait = max(1, math.ceil(decision.retry_after))
            message = (
                "Too many costly tool calls (long block ranges, big portfolios, ENS names): "
                f"this minute's budget is spent. Try again in {wait} s."
            )
            raise ProxyError("rate_limited", message, retry_after=wait)
