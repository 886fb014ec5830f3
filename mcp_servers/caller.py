"""Who a tool call is for: the chat session and its owner, as hashes the proxy sends in the
call's ``_meta`` (server.run_tool sets them for the call). Direct MCP callers have neither."""

from __future__ import annotations

import contextvars

SESSION_META_KEY = "evmchat/session"
OWNER_META_KEY = "evmchat/owner"
CALLER_SESSION: contextvars.ContextVar[str] = contextvars.ContextVar("caller_session", default="")
CALLER_OWNER: contextvars.ContextVar[str] = contextvars.ContextVar("caller_owner", default="")
