from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from sessions_app import accounts, api, chat_api, chat_options, export, pages, sharing, tool_api

urlpatterns = [
    path("", pages.chat, name="chat"),
    path("c/<str:public_id>", pages.chat_at, name="chat-at"),
    path("sessions/", pages.sessions, name="sessions"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", pages.signup, name="signup"),
    path("accounts/adopt/", accounts.adopt_chats, name="adopt-chats"),
    path("api/csrf", api.csrf, name="api-csrf"),
    path("api/sessions", api.sessions, name="api-sessions"),
    path("api/sessions/<str:public_id>", api.session_detail, name="api-session-detail"),
    path("api/sessions/<str:public_id>/close", api.session_close, name="api-session-close"),
    path("api/sessions/<str:public_id>/rename", api.session_rename, name="api-session-rename"),
    path("api/sessions/<str:public_id>/delete", api.session_delete, name="api-session-delete"),
    path(
        "api/sessions/<str:public_id>/supersede",
        api.session_supersede,
        name="api-session-supersede",
    ),
    path("api/sessions/<str:public_id>/share", sharing.share, name="api-session-share"),
    path("api/sessions/<str:public_id>/unshare", sharing.unshare, name="api-session-unshare"),
    path("api/sessions/<str:public_id>/export", export.export, name="api-session-export"),
    path(
        "api/sessions/<str:public_id>/confirm-actions",
        chat_options.confirm_actions,
        name="api-session-confirm-actions",
    ),
    path("shared/<str:token>", sharing.shared_page, name="shared-chat"),
    path("api/chats", api.chats, name="api-chats"),
    path("api/chat", chat_api.chat, name="api-chat"),
    path("api/chat/stream", chat_api.stream, name="api-chat-stream"),
    path("api/interrupt", chat_api.interrupt, name="api-interrupt"),
    path("api/wallet", chat_api.wallet_result, name="api-wallet"),
    path("api/mcp/<str:network>", tool_api.call, name="mcp-call"),
    path("api/mcp/<str:network>/tools", tool_api.tools, name="mcp-tools"),
]
