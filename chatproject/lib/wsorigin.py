"""The websocket's Origin check: scheme, host and port, as the CSRF check does for a POST.

Channels' AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS only,
so ``http://localhost:1234`` (another local app) and ``https://localhost`` passed (tests/
abuse). Here the Origin must be the site's own origin -- the scheme the browser used (wss, or
https announced by the proxy through SECURE_PROXY_SSL_HEADER) and the Host header, ports
normalized -- or one of CSRF_TRUSTED_ORIGINS; the Host itself must be in ALLOWED_HOSTS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def _origin(scheme: str, host: str, port: int | None) -> Origin:
    return scheme, host.lower().strip("[]"), port or DEFAULT_PORTS.get(scheme, 0)


def parse_origin(value: str) -> Origin | None:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return _origin(parts.scheme, parts.hostname, port)


def site_scheme(scope: dict[str, Any], headers: dict[bytes, bytes]) -> str:
    """https when the socket is wss, or when the proxy says so (SECURE_PROXY_SSL_HEADER)."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name = proxy_header[0].removeprefix("HTTP_").lower().replace("_", "-").encode()
        if name in headers:
            value = headers[name].decode("latin-1").split(",")[0].strip()
            return "https" if value == proxy_header[1] else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def origin_allowed(origin: str, host: str, scheme: str) -> bool:
    """``origin`` is the site's own (``scheme``://``host``) or a trusted one."""
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    given = parse_origin(origin)
    if given is None:
        return False
    if given == _origin(scheme, domain, int(port) if port else None):
        return True
    return any(_trusted(given, trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS)


def _trusted(given: Origin, trusted: str) -> bool:
    """Exact, or a "https://*.example.com" wildcard as Django's CSRF_TRUSTED_ORIGINS has it."""
    scheme, _, rest = trusted.partition("://")
    if rest.startswith("*."):
        parsed = parse_origin(f"{scheme}://{rest[2:]}")
        return (
            parsed is not None
            and (given[0], given[2]) == (parsed[0], parsed[2])
            and is_same_domain(given[1], "." + parsed[1])
        )
    return given == parse_origin(trusted)


class SameOriginValidator:
    """ASGI middleware: a websocket whose Origin is not allowed is denied before the app."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            headers = dict(scope.get("headers") or [])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if not origin_allowed(origin, host, site_scheme(scope, headers)):
                denier = WebsocketDenier()
                return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
