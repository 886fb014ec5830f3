from __future__ import annotations

from django.urls import path

from mcp_proxy import views

urlpatterns = [
    path("health", views.backend_health, name="health"),
    path("api/mcp/health", views.mcp_health, name="mcp-health"),
    path("api/mcp/<str:network>", views.call, name="mcp-call"),
    path("api/mcp/<str:network>/tools", views.tools, name="mcp-tools"),
]
