from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from chatproject.metrics_view import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("", include("mcp_proxy.urls")),  # before sessions_app's api/mcp/<network>
    path("", include("sessions_app.urls")),
]

handler404 = "chatproject.errors.not_found"
handler500 = "chatproject.errors.server_error"
