"""Bad input to the sessions API gets a JSON error and creates nothing."""

from __future__ import annotations

import pytest

from sessions_app.models import ChatSession

pytestmark = pytest.mark.django_db


def error_of(response) -> tuple[int, str]:
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        ('"testnet"', "bad_request"),
        (b"\xff\xfe", "bad_request"),
        ('{"network": "moon"}', "unknown_network"),
        ('{"network": ["testnet"]}', "unknown_network"),
        ('{"network": null}', "unknown_network"),
    ],
)
def test_bad_create_body_is_refused_with_json(client, body, code):
    response = client.post("/api/sessions", body, content_type="application/json")
    assert error_of(response) == (400, code)
    assert ChatSession.objects.count() == 0


def test_unknown_network_error_lists_the_valid_ones(client):
    response = client.post("/api/sessions", {"network": "moon"}, content_type="application/json")
    assert response.json()["error"]["networks"] == [
        "testnet",
        "mainnet",
        "polygon",
        "base",
        "arbitrum",
    ]


def test_oversized_body_is_refused_with_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"network": "testnet", "pad": "' + "x" * 2048 + '"}'
    response = client.post("/api/sessions", body, content_type="application/json")
    assert error_of(response) == (400, "bad_request")
    assert ChatSession.objects.count() == 0


def test_empty_body_creates_a_testnet_session(client):
    response = client.post("/api/sessions", "", content_type="application/json")
    assert response.status_code == 201
    assert response.json()["session"]["network"] == "testnet"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", "/api/sessions"),
        ("delete", "/api/sessions"),
        ("post", "/api/sessions/abc"),
        ("get", "/api/sessions/abc/close"),
        ("post", "/api/csrf"),
        ("get", "/api/chat"),
        ("get", "/api/interrupt"),
        ("get", "/api/wallet"),
        ("post", "/api/chat/stream"),
        ("get", "/api/mcp/testnet"),
        ("post", "/api/mcp/testnet/tools"),
    ],
)
def test_wrong_method_gets_a_json_405(client, method, url):
    response = getattr(client, method)(url)
    assert error_of(response) == (405, "method_not_allowed")
    assert response["Allow"]
