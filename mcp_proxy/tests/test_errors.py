"""Every proxy error code has one status, and server messages never carry an RPC URL."""

from __future__ import annotations

import pytest

from mcp_proxy.errors import STATUS_BY_CODE, ProxyError, from_rpc_error, scrub


def test_each_code_answers_with_its_documented_status():
    assert STATUS_BY_CODE == {
        "unknown_network": 404,
        "unavailable": 503,
        "unknown_tool": 422,
        "invalid_params": 400,
        "tool_error": 422,
        "rate_limited": 429,
        "server_down": 503,
        "unreachable": 502,
        "timeout": 504,
        "bad_request": 400,
    }
    assert ProxyError("timeout", "slow").status == 504
    with pytest.raises(ValueError):
        ProxyError("teapot", "no such code")


def test_rpc_url_is_scrubbed_from_server_messages():
    url = "https://polygon.example/v2/SECRET-KEY"
    assert scrub(f"connect to {url} failed", "polygon", url) == "connect to <polygon RPC> failed"
    error = from_rpc_error("polygon", url, -32000, f"upstream {url} said no")
    assert error.code == "tool_error" and "SECRET-KEY" not in error.message


def test_json_rpc_invalid_params_maps_to_invalid_params():
    error = from_rpc_error("testnet", "", -32602, "address is required")
    assert (error.code, error.status) == ("invalid_params", 400)
