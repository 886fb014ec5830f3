"""Malformed calls each get a clear 4xx in the one error shape, and nothing reaches a server."""

from __future__ import annotations

import pytest

from mcp_proxy.tests.conftest import call, point_network
from sessions_app.models import ToolCall


def post_raw(client, network: str, data, content_type="application/json"):
    return client.post(f"/api/mcp/{network}", data, content_type=content_type)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.django_db(transaction=True)
def test_body_that_is_not_json_is_a_bad_request(networks, alice):
    error = assert_error(post_raw(alice.client(), "testnet", "{not json"), 400, "bad_request")
    assert "JSON" in error["message"]


@pytest.mark.django_db(transaction=True)
def test_body_that_is_not_an_object_is_a_bad_request(networks, alice):
    assert_error(post_raw(alice.client(), "testnet", "[1, 2]"), 400, "bad_request")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body",
    [
        {"tool": 7, "params": {}},
        {"tool": "", "params": {}},
        {"params": {}},
        {"tool": "get_block_number", "params": ["not", "an", "object"]},
        {"tool": "get_block_number", "params": "x"},
    ],
)
def test_wrong_types_are_bad_requests(networks, alice, body):
    chat = alice.new_chat()
    response = alice.client().post(
        "/api/mcp/testnet", {"session_id": chat.public_id, **body}, content_type="application/json"
    )
    assert_error(response, 400, "bad_request")
    assert not ToolCall.objects.filter(chat_session=chat).exists()


@pytest.mark.django_db(transaction=True)
def test_oversized_body_is_refused_with_413(networks, alice, settings):
    chat = alice.new_chat()
    huge = {"session_id": chat.public_id, "tool": "get_balance", "params": {"address": "a" * 70000}}
    response = alice.client().post("/api/mcp/testnet", huge, content_type="application/json")
    error = assert_error(response, 413, "bad_request")
    assert "too large" in error["message"]


@pytest.mark.django_db(transaction=True)
def test_unknown_tool_is_refused_with_the_list_of_tools(networks, alice):
    chat = alice.new_chat()
    error = assert_error(
        call(alice.client(), "testnet", chat.public_id, "drain_wallet"), 422, "unknown_tool"
    )
    assert "get_balance" in error["tools"]
    row = ToolCall.objects.get(chat_session=chat)
    assert row.is_error and row.result["code"] == "unknown_tool"


@pytest.mark.django_db(transaction=True)
def test_params_that_break_the_schema_are_invalid_params(networks, alice):
    chat = alice.new_chat()
    response = call(alice.client(), "testnet", chat.public_id, "get_balance", {"wallet": "x"})
    error = assert_error(response, 400, "invalid_params")
    assert "address" in error["message"]


@pytest.mark.django_db(transaction=True)
def test_tool_failure_is_a_422_tool_error(networks, alice):
    chat = alice.new_chat()
    response = call(alice.client(), "testnet", chat.public_id, "get_balance", {"address": "0xzz"})
    error = assert_error(response, 422, "tool_error")
    assert "not a valid address" in error["message"]


@pytest.mark.django_db(transaction=True)
def test_unknown_network_is_404_with_the_list_of_networks(networks, alice):
    chat = alice.new_chat()
    error = assert_error(
        call(alice.client(), "dogecoin", chat.public_id, "get_block_number"), 404, "unknown_network"
    )
    assert {"testnet", "polygon", "mainnet"} <= set(error["networks"])


@pytest.mark.django_db(transaction=True)
def test_network_without_mcp_server_is_unavailable(networks, alice):
    point_network(networks, "base")  # no MCP server configured
    chat = alice.new_chat()
    error = assert_error(
        call(alice.client(), "base", chat.public_id, "get_block_number"), 503, "unavailable"
    )
    # Words for the caller; which variable to set is in /api/mcp/health (test_health.py).
    assert error["message"] == "The base network is unavailable: not configured on this server."


@pytest.mark.django_db(transaction=True)
def test_get_on_the_call_endpoint_is_refused(networks, alice):
    assert alice.client().get("/api/mcp/testnet").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_post_without_csrf_token_is_forbidden_and_with_it_succeeds(networks, alice):
    chat = alice.new_chat()
    browser = alice.client(enforce_csrf_checks=True)
    assert call(browser, "testnet", chat.public_id, "get_block_number").status_code == 403
    token = browser.get("/api/csrf").json()["csrf_token"]
    body = {"session_id": chat.public_id, "tool": "get_block_number", "params": {}}
    response = browser.post(
        "/api/mcp/testnet", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_json_nested_too_deep_is_a_bad_request_not_a_500(networks, alice):
    deep = "[" * 30000 + "]" * 30000  # within the size limit, beyond the parser's recursion
    error = assert_error(post_raw(alice.client(), "testnet", deep), 400, "bad_request")
    assert "JSON" in error["message"]
