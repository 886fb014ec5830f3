"""EVM tools over MCP, one server per network (`manage.py runmcp <network>`)."""

from __future__ import annotations

from mcp_servers.startup import defer_bls_tables

# First thing, before anything here imports web3 (see mcp_servers/startup.py).
defer_bls_tables()
