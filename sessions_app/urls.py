from __future__ import annotations

from django.urls import path

from sessions_app import api

urlpatterns = [
    path("api/csrf", api.csrf, name="api-csrf"),
    path("api/sessions", api.sessions, name="api-sessions"),
    path("api/sessions/<str:public_id>", api.session_detail, name="api-session-detail"),
    path("api/sessions/<str:public_id>/close", api.session_close, name="api-session-close"),
]
