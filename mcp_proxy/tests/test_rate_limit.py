"""A token bucket per chat session: bursts pass, then 429 until time refills it."""

from __future__ import annotations

import secrets

import pytest
from django.conf import settings as django_settings

from mcp_proxy.ratelimit import FallbackBucket, MemoryBucket, RedisBucket
from mcp_proxy.tests.conftest import call


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def buckets(clock: FakeClock) -> list:
    # REDIS_URL: the machine's Redis, or the Valkey testsupport/services.py starts.
    return [MemoryBucket(clock), RedisBucket(django_settings.REDIS_URL, clock)]


@pytest.mark.parametrize("kind", [0, 1])
def test_bucket_allows_a_burst_then_refuses_until_time_refills_it(kind):
    clock = FakeClock()
    bucket, key = buckets(clock)[kind], secrets.token_hex(8)
    assert all(bucket.take(key, 10, 20).allowed for _ in range(20))
    refused = bucket.take(key, 10, 20)
    assert not refused.allowed and refused.retry_after == pytest.approx(0.1)
    clock.now += 0.1
    assert bucket.take(key, 10, 20).allowed
    assert not bucket.take(key, 10, 20).allowed
    clock.now += 60
    assert sum(bucket.take(key, 10, 20).allowed for _ in range(25)) == 20


def test_buckets_of_different_sessions_are_independent():
    bucket = MemoryBucket(FakeClock())
    assert all(bucket.take("a", 1, 2).allowed for _ in range(2))
    assert not bucket.take("a", 1, 2).allowed
    assert bucket.take("b", 1, 2).allowed


def test_redis_failure_falls_back_to_the_process_bucket():
    broken = RedisBucket("redis://127.0.0.1:1/0")
    bucket = FallbackBucket(broken, MemoryBucket(FakeClock()))
    assert bucket.take("k", 1, 1).allowed
    assert not bucket.take("k", 1, 1).allowed


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
