"""Secret values never leave a process: one redaction for tool errors, health, logs and the
stored agent answers.

Providers quote a key bare ("API key 5f3a… has exceeded its quota"), so redacting the URL
is not enough: every value that may be a credential is replaced wherever it appears. The
values come from the settings (each RPC URL's userinfo, query values and path segments, in
the MCP server that holds it: the backend holds none; the MCP token, provider and Etherscan
keys, the SECRET_KEY, passwords in DATABASE_URL and REDIS_URL) plus whatever the caller adds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings

MARK = "[redacted]"
# Shorter values ("v2", "rpc", "1") are words, not keys: redacting them would mangle text.
MIN_SECRET_CHARS = 6
# A URL part made of lowercase words ("polygon", "eth-mainnet") names a route, not a key.
_WORDS = re.compile(r"[a-z]+([-_.][a-z]+)*")
_KEY_SETTINGS = ("MCP_AUTH_TOKEN", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ETHERSCAN_API_KEY")
_URL_SETTINGS = ("MAINNET_FORK_URL", "REDIS_URL", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may carry a key: the URL itself, its userinfo, its query and
    each query value, and each path segment that looks like a key (not a lowercase word)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return [url]
    found = [url, url.rstrip("/"), parts.query, username or "", password or ""]
    found += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
    found += [segment for segment in parts.path.split("/") if _looks_like_key(segment)]
    found += [unquote(value) for value in found]
    # A password is a secret whatever it looks like (a username may be a plain word).
    keep = [value for value in found if _looks_like_key(value) or value == password]
    return [value for value in dict.fromkeys(keep) if len(value) >= 4]


def _looks_like_key(value: str) -> bool:
    return len(value) >= MIN_SECRET_CHARS and not _WORDS.fullmatch(value)


def configured_secrets() -> tuple[str, ...]:
    """Every secret value of this process's settings, longest first."""
    urls = [network.rpc_url for network in getattr(settings, "NETWORKS", {}).values()]
    urls += [str(getattr(settings, name, "") or "") for name in _URL_SETTINGS]
    keys = [str(getattr(settings, name, "") or "") for name in _KEY_SETTINGS]
    keys += [settings.SECRET_KEY, str(settings.DATABASES.get("default", {}).get("PASSWORD", ""))]
    return _ordered(tuple(urls), tuple(keys))


@lru_cache(maxsize=16)
def _ordered(urls: tuple[str, ...], keys: tuple[str, ...]) -> tuple[str, ...]:
    values = {value for url in urls for value in url_secrets(url)}
    values |= {key for key in keys if len(key) >= MIN_SECRET_CHARS}
    return tuple(sorted(values, key=len, reverse=True))


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every configured secret value (and each of ``extra``) replaced."""
    if not text:
        return text
    secrets = configured_secrets()
    if extra := [value for value in extra if len(value) >= 4]:
        secrets = tuple(sorted({*secrets, *extra}, key=len, reverse=True))
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MARK)
    return text


def redact_data(value: Any) -> Any:
    """``redact`` applied to every string (keys included) of a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """On the log handlers: the rendered message and traceback, redacted, replace the record's."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the record as it is, logging reports it
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
