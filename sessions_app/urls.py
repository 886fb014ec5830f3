from __future__ import annotations

from django.urls import path

from sessions_app import api, chat_api, pages, tool_api

urlpatterns = [
    path("", pages.chat, name="chat"),
    path("sessions/", pages.sessions, name="sessions"),
    path("api/csrf", api.csrf, name="api-csrf"),
    path("api/sessions", api.sessions, name="api-sessions"),
    path("api/sessions/<str:public_id>", api.session_detail, name="api-session-detail"),
    path("api/sessions/<str:public_id>/close", api.session_close, name="api-session-close"),
    path("api/chat", chat_api.chat, name="api-chat"),
    path("api/chat/stream", chat_api.stream, name="api-chat-stream"),
    path("api/interrupt", chat_api.interrupt, name="api-interrupt"),
    path("api/wallet", chat_api.wallet_result, name="api-wallet"),
    path("api/mcp/<str:network>", tool_api.call, name="mcp-call"),
    path("api/mcp/<str:network>/tools", tool_api.tools, name="mcp-tools"),
]
