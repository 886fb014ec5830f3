"""Ask before acting covers every tool that writes with a dev account's key: each destructive
tool of the MCP servers (send_transaction, …, send_swap) is one of the acting tools."""

from __future__ import annotations

from mcp_servers.tools import TOOL_SPECS
from sessions_app.agent.confirmations import ACTING_TOOLS


def test_every_destructive_tool_waits_for_a_confirm() -> None:
    destructive = {spec.name for spec in TOOL_SPECS if spec.destructive}
    assert "send_swap" in destructive
    assert destructive <= ACTING_TOOLS, destructive - ACTING_TOOLS
