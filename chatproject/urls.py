from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from chatproject.metrics_view import metrics
from sessions_app.admin import throttled_admin_login

urlpatterns = [
    path("admin/login/", throttled_admin_login, name="admin-login-throttled"),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("", include("sessions_app.urls")),
    path("", include("mcp_proxy.urls")),
]

handler404 = "chatproject.errors.not_found"
handler500 = "chatproject.errors.server_error"
