"""Every proxy error code has one status, and server messages never carry a secret of the
backend's settings (RPC URLs are the MCP servers' own: tests/abuse/test_rpc_key_never_leaks)."""

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


def test_settings_secrets_are_scrubbed_from_server_messages(settings):
    settings.MCP_AUTH_TOKEN = "mcp-token-5f3a9c1e"
    assert scrub("refused mcp-token-5f3a9c1e") == "refused [redacted]"
    error = from_rpc_error("polygon", -32000, "upstream got mcp-token-5f3a9c1e and said no")
    assert error.code == "tool_error" and "mcp-token-5f3a9c1e" not in error.message


def test_json_rpc_invalid_params_maps_to_invalid_params():
    error = from_rpc_error("testnet", -32602, "address is required")
    assert (error.code, error.status) == ("invalid_params", 400)
