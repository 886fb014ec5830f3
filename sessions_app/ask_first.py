"""Whether a chat asks before the agent acts with a dev account (agent/confirmations.py).

A leaf (settings only): the page's session data and the agent both read it.
"""

from __future__ import annotations

from django.conf import settings

from sessions_app.models import ChatSession

# Providers whose choices come from a model: they ask first unless the chat says otherwise.
# The builtin agent acts only on an explicit request, so it does not by default.
ASKING_PROVIDERS = frozenset({"anthropic", "openai"})


def provider_asks_first(provider: str | None = None) -> bool:
    chosen = (provider or settings.AGENT_PROVIDER or "builtin").strip().lower()
    return chosen in ASKING_PROVIDERS


def asks_first(chat_session: ChatSession) -> bool:
    """The chat's own setting, else its provider's default."""
    return setting_or_default(chat_session.confirm_actions)


def setting_or_default(confirm_actions: bool | None) -> bool:
    return provider_asks_first() if confirm_actions is None else confirm_actions


def asks_first_now(chat_session_id: int) -> bool:
    """As the database has it now: the page may have changed it since the turn's session
    was read (a socket reads it once, when it connects)."""
    chats = ChatSession.objects.filter(pk=chat_session_id)
    return setting_or_default(chats.values_list("confirm_actions", flat=True).first())
