"""Refuse to serve with a secret that is still an example's placeholder.

The deployment examples (docker-compose's .env.example, deploy/k8s/overlays/example/secrets)
render and start as they are, so a copy whose secrets were never replaced would otherwise run
with values anyone can read in this repository: sessions and owner hashes forged with the
SECRET_KEY, the MCP servers called with the token, the metrics read, the database opened.
The backend (chatproject/asgi.py) and every MCP server (mcp_servers/serve.py) check at
start-up; DEBUG, a developer's own machine, is let through.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

# Words the examples use where a real secret goes; a real random value contains none of them.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "replace-with", "placeholder", "example")
# Passwords an example suggests, refused whole ("evmchat": compose's old default).
WELL_KNOWN_PASSWORDS = frozenset({"password", "secret", "evmchat"})
# What the backend holds; an MCP server holds only the token and the database.
BACKEND_SECRETS = ("SECRET_KEY", "MCP_AUTH_TOKEN", "METRICS_TOKEN", "DATABASE_URL", "REDIS_URL")
MCP_SERVER_SECRETS = ("MCP_AUTH_TOKEN", "DATABASE_URL")
# A dev network's server with per-owner accounts derives them from this (default SECRET_KEY).
DEV_MCP_SERVER_SECRETS = (*MCP_SERVER_SECRETS, "TESTNET_ACCOUNTS_SECRET")
URL_SETTINGS = frozenset({"DATABASE_URL", "REDIS_URL"})


def is_placeholder(value: str) -> bool:
    """A value an example put there: one of its marker words, or a well-known password."""
    lowered = value.strip().lower()
    if not lowered:
        return False  # unset: each setting has its own rule for that (tokens off, no password)
    return lowered in WELL_KNOWN_PASSWORDS or any(m in lowered for m in PLACEHOLDER_MARKERS)


def url_password(url: str) -> str:
    """The password part of a database or Redis URL ("" when it has none)."""
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def _value(name: str) -> str:
    if name == "TESTNET_ACCOUNTS_SECRET":  # unset, the accounts come from SECRET_KEY
        return str(settings.TESTNET_ACCOUNTS_SECRET or settings.SECRET_KEY)
    if name == "DATABASE_URL":
        return str(settings.DATABASES["default"].get("PASSWORD") or "")
    value = str(getattr(settings, name, "") or "")
    return url_password(value) if name in URL_SETTINGS else value


def placeholder_secrets(names: Iterable[str]) -> list[str]:
    """The settings among ``names`` that still hold a placeholder."""
    return [name for name in names if is_placeholder(_value(name))]


def placeholder_refusal(names: Iterable[str]) -> str | None:
    """The operator's message when a secret is a placeholder (None: serve; always under DEBUG)."""
    found = placeholder_secrets(names)
    if settings.DEBUG or not found:
        return None
    return (
        f"Refusing to start: {', '.join(found)} still hold(s) an example's placeholder value. "
        "Set each to a real secret (e.g. `openssl rand -hex 32`; a database or Redis URL: "
        "its real password)."
    )
