"""A limit per chat session (the `limits` library's moving window): bursts pass, then 429
with the wait until the window frees a call."""

from __future__ import annotations

import secrets
import time

import pytest
from django.conf import settings as django_settings
from limits import RateLimitItemPerSecond

from chatproject.lib.ratelimit import Limiter, per_second
from mcp_proxy.tests.conftest import call

THREE_PER_SECOND = RateLimitItemPerSecond(3)


def limiters() -> list[Limiter]:
    # REDIS_URL: the machine's Redis, or the Valkey testsupport/services.py starts.
    return [Limiter(""), Limiter(django_settings.REDIS_URL)]


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "redis"])
def test_limit_allows_a_burst_then_refuses_until_the_window_frees_a_call(kind):
    limiter, key = limiters()[kind], secrets.token_hex(8)
    assert all(limiter.take(key, THREE_PER_SECOND).allowed for _ in range(3))
    refused = limiter.take(key, THREE_PER_SECOND)
    # 0 when the oldest call left the window between the refusal and the library's window
    # read: the next call may go at once (the endpoint still tells the client at least 1 s).
    assert not refused.allowed and 0 <= refused.retry_after <= 1
    time.sleep(refused.retry_after + 0.1)
    assert limiter.take(key, THREE_PER_SECOND).allowed


def test_limits_of_different_sessions_are_independent():
    limiter = Limiter("")
    assert all(limiter.take("a", THREE_PER_SECOND).allowed for _ in range(3))
    assert not limiter.take("a", THREE_PER_SECOND).allowed
    assert limiter.take("b", THREE_PER_SECOND).allowed


def test_redis_failure_falls_back_to_the_process_counters():
    limiter = Limiter("redis://127.0.0.1:1/0")
    one = RateLimitItemPerSecond(1, 60)
    assert limiter.take("k", one).allowed
    assert not limiter.take("k", one).allowed


def test_rate_and_burst_become_a_window_never_below_the_rate():
    assert per_second(10, 20) == RateLimitItemPerSecond(20, 2)
    assert per_second(0.001, 3) == RateLimitItemPerSecond(3, 3000)
    assert per_second(1000, 20) == RateLimitItemPerSecond(1000, 1)


@pytest.mark.django_db(transaction=True)
def test_endpoint_answers_429_with_retry_after_past_the_burst(networks, alice, settings):
    settings.PROXY_RATE_LIMIT = 0.001  # refills too slowly to matter while the test runs
    settings.PROXY_RATE_BURST = 3
    chat, other = alice.new_chat(), alice.new_chat()
    browser = alice.client()
    statuses = [
        call(browser, "testnet", chat.public_id, "get_block_number").status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = call(browser, "testnet", chat.public_id, "get_block_number")
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert call(browser, "testnet", other.public_id, "get_block_number").status_code == 200
