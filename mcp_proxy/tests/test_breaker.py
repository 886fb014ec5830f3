"""The circuit opens after N consecutive failures; a success resets the count."""

from __future__ import annotations

from mcp_proxy.breaker import CircuitBreaker
from mcp_proxy.rpc import health_url_for


def test_circuit_opens_after_threshold_consecutive_failures():
    breaker = CircuitBreaker(threshold=3)
    assert not breaker.record_failure("refused")
    assert not breaker.record_failure("refused")
    assert breaker.record_failure("refused")
    assert breaker.is_open and breaker.state() == "open"
    assert not breaker.record_failure("refused")  # opening is reported once
    breaker.close()
    assert not breaker.is_open and breaker.consecutive_failures == 0


def test_success_resets_the_failure_count():
    breaker = CircuitBreaker(threshold=2)
    breaker.record_failure("timeout")
    breaker.record_success(3)
    assert not breaker.record_failure("timeout")
    assert breaker.last_latency_ms == 3 and breaker.last_error == "timeout"


def test_health_url_sits_beside_the_mcp_endpoint():
    assert health_url_for("http://10.0.0.5:5002/mcp") == "http://10.0.0.5:5002/health"
    assert (
        health_url_for("https://mcp.example/polygon/mcp/") == "https://mcp.example/polygon/health"
    )
