"""A chat shared read-only by link: an unguessable token, and the moment it was shared.

The shared page shows the conversation as it was then: the messages up to ``upto_seq``, and
none an edit or a regenerate had taken out by ``shared_at`` (sessions_app/sharing.py).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

SHARE_TOKEN_BYTES = 32  # 256 bits from secrets; 43 URL-safe characters


def new_share_token() -> str:
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


class SharedChatQuerySet(models.QuerySet["SharedChat"]):
    def live(self) -> SharedChatQuerySet:
        return self.filter(revoked_at__isnull=True)


class SharedChat(models.Model):
    """live (``revoked_at`` null) -> revoked (unshared: the link answers 404 for good). A chat
    has at most one live link: a unique index says so; sharing again moves its cutoff."""

    chat_session = models.ForeignKey(
        "chat.ChatSession", on_delete=models.CASCADE, related_name="shares"
    )
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    upto_seq = models.PositiveIntegerField(help_text="The chat's last message when shared.")
    shared_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SharedChatQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chat_session"],
                condition=Q(revoked_at__isnull=True),
                name="shared_chat_one_live_per_chat",
            ),
        ]

    def __str__(self) -> str:
        return f"share of chat {self.chat_session_id}"
