from __future__ import annotations

from django.apps import AppConfig


class McpProxyConfig(AppConfig):
    name = "mcp_proxy"
    verbose_name = "MCP proxy"
