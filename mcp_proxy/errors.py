"""ProxyError: the one error of the proxy, shared by the HTTP endpoints and the agent."""

from __future__ import annotations

from chatproject.lib.redact import redact, url_secrets

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


def scrub(text: str, network_name: str, rpc_url: str) -> str:
    """Defence in depth: an RPC URL, and any secret value in it or in the settings (a bare
    API key quoted by the provider), never leaves the proxy."""
    if rpc_url and rpc_url in text:
        text = text.replace(rpc_url, f"<{network_name} RPC>")
    return redact(text, url_secrets(rpc_url))


def from_rpc_error(network_name: str, rpc_url: str, code: int, message: str) -> ProxyError:
    """A JSON-RPC error answer: the server is alive, the request was wrong or the tool failed."""
    text = scrub(message, network_name, rpc_url)
    if code == INVALID_PARAMS:
        return ProxyError("invalid_params", f"Invalid params: {text}")
    return ProxyError("tool_error", f"The {network_name} server answered with an error: {text}")
