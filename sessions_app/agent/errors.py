"""What every provider shares and none owns: its error, and the cap on tool-call rounds.

The provider modules import this, never each other (an import-linter contract says so).
"""

from __future__ import annotations

from django.conf import settings


class ProviderError(Exception):
    """A provider failure with a sentence for the user (never a key, never a URL)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def max_rounds() -> int:
    """Most tool-call rounds in one turn (AGENT_MAX_TOOL_ROUNDS, at least one)."""
    return max(1, settings.AGENT_MAX_TOOL_ROUNDS)


def cap_message() -> str:
    """What the answer says when the rounds ran out before a final answer."""
    return (
        f"\n\nI stopped after {settings.AGENT_MAX_TOOL_ROUNDS} rounds of tool calls without a "
        "final answer. Ask again, more specifically, to continue."
    )
