"""Host/Origin protection: local names always, container names from MCP_ALLOWED_HOSTS."""

from __future__ import annotations

from mcp.server.transport_security import TransportSecurityMiddleware

from mcp_servers.server import transport_security


def test_local_names_on_any_port_and_configured_container_names() -> None:
    guard = TransportSecurityMiddleware(transport_security(["mcp-testnet", "api.example:8443"]))
    for host in (
        "127.0.0.1:5000",
        "localhost:1234",
        "[::1]:5000",
        "mcp-testnet:5000",
        "mcp-testnet",
    ):
        assert guard._validate_host(host), host
    assert guard._validate_host("api.example:8443")
    assert not guard._validate_host("api.example:9999")
    assert not guard._validate_host("evil.example:5000")
    assert guard._validate_origin("http://mcp-testnet:5000")
    assert not guard._validate_origin("http://evil.example")
