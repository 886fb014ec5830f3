from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from sessions_app import accounts
from sessions_app.metrics_view import metrics

urlpatterns = [
    path("admin/login/", accounts.admin_login, name="admin-login-throttled"),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    # Pages without our <link rel="icon"> (the admin, a JSON URL opened in a tab): browsers
    # still ask for /favicon.ico, and a 404 there logs a WARNING per page load.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", include("mcp_proxy.urls")),  # before sessions_app's api/mcp/<network>
    path("", include("sessions_app.urls")),
]

handler404 = "chatproject.lib.errors.not_found"
handler500 = "chatproject.lib.errors.server_error"
