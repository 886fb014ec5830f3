"""Choose the provider named by AGENT_PROVIDER: builtin (default), anthropic or openai."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from sessions_app.agent.context import TurnContext
from sessions_app.agent.errors import ProviderError

__all__ = ["Provider", "ProviderError", "get_provider"]


class Provider(Protocol):
    async def respond(self, ctx: TurnContext) -> None: ...


def get_provider(name: str | None = None) -> Provider:
    chosen = (name or settings.AGENT_PROVIDER or "builtin").strip().lower()
    if chosen == "anthropic":
        from sessions_app.agent.anthropic_provider import AnthropicProvider

        return AnthropicProvider()
    if chosen == "openai":
        from sessions_app.agent.openai_provider import OpenAIProvider

        return OpenAIProvider()
    from sessions_app.agent.builtin import BuiltinProvider

    return BuiltinProvider()
