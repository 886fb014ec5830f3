from __future__ import annotations

from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    # The label must not collide with django.contrib.sessions ("sessions").
    name = "sessions_app"
    label = "chat"
    verbose_name = "Chat sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Its logout and password-change receivers close the sockets of an ended login, also
        # when the password changes outside a daphne (`manage.py changepassword`).
        from sessions_app import login_watch  # noqa: F401
