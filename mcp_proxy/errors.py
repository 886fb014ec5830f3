"""ProxyError: the one error of the proxy, shared by the HTTP endpoints and the agent."""

from __future__ import annotations

from chatproject.lib.redact import redact

INVALID_PARAMS = -32602  # JSON-RPC

# Each code answers with one HTTP status, so the agent and the endpoints agree on meaning.
STATUS_BY_CODE: dict[str, int] = {
    "unknown_network": 404,
    "unavailable": 503,
    "unknown_tool": 422,
    "invalid_params": 400,
    "tool_error": 422,
    "rate_limited": 429,
    "server_down": 503,
    "unreachable": 502,
    "timeout": 504,
    "bad_request": 400,
}

# Failures that say nothing about the tool, only about reaching its server.
TRANSPORT_CODES = frozenset({"unreachable", "timeout", "server_down"})


class ProxyError(Exception):
    """A failed proxied call. ``message`` is for people: never a URL, never a trace."""

    def __init__(self, code: str, message: str, status: int | None = None, **extra: object) -> None:
        if code not in STATUS_BY_CODE:
            raise ValueError(f"unknown proxy error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE[code]
        self.extra = extra

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.extra}

    def __repr__(self) -> str:
        return f"ProxyError({self.code!r}, {self.message!r})"


def scrub(text: str) -> str:
    """Defence in depth: no secret value of this process's settings (the MCP token, the
    provider keys, ...) leaves the proxy. RPC URLs and their keys are the MCP servers' own:
    the backend holds none, and each server redacts its own from what it answers
    (mcp_servers/errors.py)."""
    return redact(text)


def from_rpc_error(network_name: str, code: int, message: str) -> ProxyError:
    """A JSON-RPC error answer: the server is alive, the request was wrong or the tool failed."""
    text = scrub(message)
    if code == INVALID_PARAMS:
        return ProxyError("invalid_params", f"Invalid params: {text}")
    return ProxyError("tool_error", f"The {network_name} server answered with an error: {text}")
