from __future__ import annotations

from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    # The label must not collide with django.contrib.sessions ("sessions").
    name = "sessions_app"
    label = "chat"
    verbose_name = "Chat sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessions_app import adoption

        adoption.stop_adopting_at_login()  # signing in asks first (adoption.py)
