from __future__ import annotations

from typing import Any

from django.urls import path

from sessions_app.consumers import ChatConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/sessions/<str:session_id>/", ChatConsumer.as_asgi()),
]
