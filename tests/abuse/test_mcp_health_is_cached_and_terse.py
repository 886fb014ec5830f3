"""Finding 14 of issue 27: /api/mcp/health probed every replica of every network on each
request, uncached (each probe costs the servers two RPC calls), and showed anyone the replicas,
latencies and last errors.

Replayed against a real daphne whose testnet MCP server is a local stand-in that counts its
/health probes: forty anonymous requests from another address cost one round of probes, and
see each network's state only; an operator (the METRICS_TOKEN bearer, or a staff user) sees
the detail."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chatproject.lib.networks import TABLE
from testsupport import local_http
from testsupport.processes import Daphne, free_port, postgres_url, start_daphne
from testsupport.recording_http import RecordingServer, recording_server

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "health-operator-3c9f1d"
CACHE_SECONDS = 3
FROM_ELSEWHERE = local_http.transport(local_address="127.0.0.2")


@pytest.fixture
def mcp_stand_in() -> Iterator[RecordingServer]:
    report = {"status": "ok", "rpc_ok": True, "chain_ok": True}  # as runmcp's /health says
    with recording_server("127.0.0.1", body=report) as server:
        yield server


@pytest.fixture
def backend(settings, mcp_stand_in) -> Iterator[Daphne]:
    env = {f"MCP_{row.name.upper()}_URL": "" for row in TABLE}  # no server: not configured
    env |= {
        "MCP_TESTNET_URL": mcp_stand_in.url("/mcp"),
        "MCP_HEALTH_CACHE_SECONDS": str(CACHE_SECONDS),
        "METRICS_TOKEN": TOKEN,
        "DATABASE_URL": postgres_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "LOG_LEVEL": "ERROR",
    }
    daphne = start_daphne(env, free_port())
    yield daphne
    daphne.stop()


def probes(server: RecordingServer) -> int:
    return sum(1 for request in server.requests if request["path"] == "/health")


def test_anonymous_visitors_share_one_round_of_probes_and_see_states_only(backend, mcp_stand_in):
    base = f"http://127.0.0.1:{backend.port}"
    with local_http.client(base_url=base, transport=FROM_ELSEWHERE, timeout=10) as mallory:
        answers = [mallory.get("/api/mcp/health") for _ in range(20)]
        answers += [mallory.get("/health") for _ in range(20)]
        assert probes(mcp_stand_in) <= 2  # one round (two if a period ended mid-way), not 40
        for answer in answers:
            assert answer.status_code == 200, answer.text
            networks = answer.json()["networks"]
            assert networks["testnet"] == {"state": "up"}
            assert networks["mainnet"] == {"state": "unavailable"}
            for words in ("replicas", "latency", "last_error", "RPC_URL", "circuit"):
                assert words not in answer.text
        assert answers[-1].json()["database"] == {"ok": True}
        time.sleep(CACHE_SECONDS + 0.5)
        before = probes(mcp_stand_in)
        mallory.get("/api/mcp/health")
        assert probes(mcp_stand_in) == before + 1  # cached for a while, not forever


def test_the_operator_sees_replicas_latency_and_errors(backend, mcp_stand_in):
    base = f"http://127.0.0.1:{backend.port}"
    with local_http.client(base_url=base, timeout=10) as client:
        wrong = client.get("/api/mcp/health", headers={"Authorization": "Bearer guess"})
        right = client.get("/api/mcp/health", headers={"Authorization": f"Bearer {TOKEN}"})
    assert wrong.json()["networks"]["testnet"] == {"state": "up"}
    detail = right.json()["networks"]
    assert detail["testnet"]["replicas"][0]["state"] == "up"
    assert isinstance(detail["testnet"]["latency_ms"], int)
    assert "ETH_RPC_URL" in detail["mainnet"]["last_error"]


def test_a_staff_user_sees_the_detail_and_a_plain_user_does_not(networks_for_health):
    staff = get_user_model().objects.create_user("olivia", password="x-long-pass-1", is_staff=True)
    plain = get_user_model().objects.create_user("bob", password="x-long-pass-2")
    as_staff, as_plain = Client(), Client()
    as_staff.force_login(staff)
    as_plain.force_login(plain)
    assert "replicas" in as_staff.get("/api/mcp/health").json()["networks"]["testnet"]
    assert as_plain.get("/api/mcp/health").json()["networks"]["testnet"] == {"state": "up"}


@pytest.fixture
def networks_for_health(settings, anvil_testnet, mcp_testnet):
    from sessions_app.tests.agent_support import point_network

    point_network(settings, "testnet", mcp_testnet.url)
