"""The proxy's own routes; the tool call and tool list routes are sessions_app's (tool_api).
Included before sessions_app's urls, so that api/mcp/health is not taken for a network."""

from __future__ import annotations

from django.urls import path

from mcp_proxy import views

urlpatterns = [
    path("health", views.backend_health, name="health"),
    path("api/mcp/health", views.mcp_health, name="mcp-health"),
]
