"""Chat session id and network on every log line, carried by context variables.

`bind(session=..., network=...)` in a consumer, view or agent turn; the filter installed in
LOGGING copies the values onto each record, so the formatter can print them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_session: ContextVar[str] = ContextVar("chat_session", default="-")
_network: ContextVar[str] = ContextVar("network", default="-")


@contextmanager
def bound(session: str | None = None, network: str | None = None) -> Iterator[None]:
    tokens = []
    if session is not None:
        tokens.append((_session, _session.set(session[:8])))
    if network is not None:
        tokens.append((_network, _network.set(network)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(session: str | None = None, network: str | None = None) -> None:
    """Set for the rest of the current task (a consumer's or a turn's own context)."""
    if session is not None:
        _session.set(session[:8])
    if network is not None:
        _network.set(network)


class ChatContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.chat_session = _session.get()
        record.network = _network.get()
        return True
