"""POST /api/mcp/<network> served straight from ASGI, in front of Django's handler.

Why: under ASGI, Django's handler runs every middleware hook of every request through a
thread hand-off (asgiref). Through that chain the tool call cost daphne 4.5-4.9 ms of CPU
against 2.1-2.4 ms here; through the product's one-hop handler (chatproject/lib/handler.py:
the whole chain in one hand-off) 2.7-2.9 ms against 1.7 ms, at 317-335 calls/s against
527-531 (bench/bench_infra.py --piece proxy-app, docs/benchmarks.md, "Hand-written
infrastructure A/Bs"). The tool call is the hot
path of the HTTP API, so it skips that chain: the view is the same function
(sessions_app.tool_api.call, handed in by chatproject/asgi.py) and the request is Django's own
``ASGIRequest``; what changes is that the parts of the chain the view needs run inline --
Django's own middleware methods, not copies: host validation, the CSRF check, the browser
session and the user (both lazy, loaded by the view on its database thread), and the security
headers on the response, the Content-Security-Policy of chatproject.lib.csp included. Every
other path, and a call that is not a POST, goes to Django untouched.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve

from chatproject.lib.csp import add_policy
from chatproject.lib.dbthreads import db
from chatproject.lib.errors import json_error, server_error
from mcp_proxy import views

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def _never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the fast path calls the middleware's hooks, not the middleware")


View = Callable[[HttpRequest, str], Awaitable[HttpResponse]]


class ProxyCallApp:
    """ASGI app: the proxy's tool calls (``view``, routed by Django's URLconf) here, everything
    else to ``django_app``."""

    def __init__(self, django_app: ASGIApp, view: View) -> None:
        self.django_app = django_app
        self.view = view
        self.security = SecurityMiddleware(_never_called)
        self.csrf = CsrfViewMiddleware(_never_called)
        self.sessions = SessionMiddleware(_never_called)
        self.auth = AuthenticationMiddleware(_never_called)
        self.frames = XFrameOptionsMiddleware(_never_called)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        network = _proxy_call_network(scope, self.view)
        if network is None:
            await self.django_app(scope, receive, send)
            return
        body = await _read_body(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if body is None:
            response: HttpResponse = views.proxy_error_response(views.body_too_large())
        else:
            request = ASGIRequest(scope, io.BytesIO(body))
            response = await self.respond(request, network)
        await _send_response(add_policy(response), send)

    async def respond(self, request: ASGIRequest, network: str) -> HttpResponse:
        try:
            refused = self.refusal(request)
            response = refused or await self.view(request, network)
        except Exception:
            logger.exception("the proxy call endpoint failed")
            response = server_error(request)
        return await self.finish(request, response)

    def refusal(self, request: ASGIRequest) -> HttpResponse | None:
        """The request hooks of the chain, in its order; a response when one refuses."""
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        except DisallowedHost:
            return json_error("bad_request", "The Host header is not allowed.", 400)
        self.sessions.process_request(request)
        self.auth.process_request(request)
        if redirect := self.security.process_request(request):  # SECURE_SSL_REDIRECT
            return redirect
        self.csrf.process_request(request)
        view: Any = self.view
        return self.csrf.process_view(request, view, (), {})

    async def finish(self, request: ASGIRequest, response: HttpResponse) -> Any:
        """The response hooks; the session one may write to the database, off the loop."""
        session = getattr(request, "session", None)
        if session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST):
            response = await db(self.sessions.process_response)(request, response)
        elif session is not None:
            response = self.sessions.process_response(request, response)
        checked: Any = self.csrf.process_response(request, response)
        checked = self.frames.process_response(request, checked)
        return self.security.process_response(request, checked)


def _proxy_call_network(scope: Scope, view: View) -> str | None:
    """The network of a POST that Django would route to ``view``, else None."""
    if scope["type"] != "http" or scope.get("method") != "POST":
        return None
    path = str(scope.get("path", ""))
    if not path.startswith("/api/mcp/"):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return str(match.kwargs["network"]) if match.func is view else None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes ``limit`` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send_response(response: HttpResponse, send: Send) -> None:
    response.headers.setdefault("Content-Length", str(len(response.content)))
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()
    ]
    headers += [
        (b"set-cookie", cookie.output(header="").strip().encode("latin-1"))
        for cookie in response.cookies.values()
    ]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
