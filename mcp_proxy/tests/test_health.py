"""/api/mcp/health reports every network; /health sums up database, channel layer, networks."""

from __future__ import annotations

import asyncio

import pytest
from django.test import Client

from mcp_proxy import health
from mcp_proxy.tests.conftest import point_network

OPERATOR = {"Authorization": "Bearer health-operator-token"}


@pytest.fixture
def operator_token(settings):
    settings.METRICS_TOKEN = "health-operator-token"


@pytest.mark.django_db(transaction=True)
def test_mcp_health_shows_each_network_state_latency_and_no_url(networks, operator_token):
    point_network(networks, "mainnet")  # no MCP server configured
    response = Client().get("/api/mcp/health", headers=OPERATOR)
    assert response.status_code == 200
    report = response.json()["networks"]
    assert report["testnet"]["state"] == "up" and report["polygon"]["state"] == "up"
    assert isinstance(report["testnet"]["latency_ms"], int)
    assert report["mainnet"]["state"] == "unavailable"
    assert "ETH_RPC_URL" in report["mainnet"]["last_error"]
    assert "http" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_backend_health_is_200_with_database_channel_layer_and_networks(networks):
    response = Client().get("/health")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["ok"] and report["channel_layer"]["ok"]
    assert report["networks"]["polygon"]["state"] == "up"


@pytest.mark.django_db(transaction=True)
def test_backend_health_is_503_when_the_channel_layer_is_broken(networks, settings, operator_token):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = Client().get("/health", headers=OPERATOR)
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "down"
    assert report["database"]["ok"] and not report["channel_layer"]["ok"]
    assert "127.0.0.1" not in report["channel_layer"]["error"]


@pytest.mark.django_db(transaction=True)
def test_down_network_does_not_make_the_backend_unhealthy(networks, settings):
    point_network(settings, "testnet", "http://127.0.0.1:9/mcp")
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json()["networks"]["testnet"]["state"] == "down"


@pytest.mark.django_db(transaction=True)
def test_repeated_health_checks_leave_no_channel_subscribed(networks, settings):
    """The Pub/Sub layer keeps a subscription per channel until a receive on it is cancelled."""
    from channels.layers import channel_layers

    assert settings.REDIS_URL, "the tests run against Redis (REDIS_URL)"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatproject.lib.channel_layer.ResilientPubSubChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL]},
        }
    }
    layer = channel_layers["default"]

    async def five_checks() -> tuple[list[bool], int]:
        reports = [await health.backend_report() for _ in range(5)]
        return [r["channel_layer"]["ok"] for r in reports], len(layer._get_layer().channels)

    oks, channels_left = asyncio.run(five_checks())
    assert oks == [True] * 5
    assert channels_left == 0
