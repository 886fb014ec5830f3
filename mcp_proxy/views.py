"""The proxy's own endpoints (the networks' health, the backend's /health) and what the tool
call endpoint needs from the proxy: its body check and its error responses.

The tool call and tool list endpoints themselves (owner check, rate limit, the ToolCall row)
are sessions_app/tool_api.py: this package never imports sessions_app.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from chatproject.redact import redact_data
from chatproject.textcheck import UNSTORABLE_MESSAGE, has_unstorable_text
from mcp_proxy import client, health
from mcp_proxy.client import ProxyError


def error_response(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    body = {"ok": False, "error": {"code": code, "message": message, **extra}}
    response = JsonResponse(body, status=status)
    if "retry_after" in extra:
        response["Retry-After"] = str(extra["retry_after"])
    return response


def body_too_large() -> ProxyError:
    return ProxyError("bad_request", "The request body is too large.", status=413)


def proxy_error_response(exc: ProxyError) -> JsonResponse:
    return error_response(exc.code, exc.message, exc.status, **exc.extra)


def call_body(request: HttpRequest) -> dict[str, Any]:
    """The JSON object body of a call; ProxyError bad_request (or 413) when it is not usable."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise body_too_large() from None
    try:
        body = json.loads(raw or b"{}", parse_constant=_no_constants)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        # RecursionError: nesting too deep for the parser, was a 500 (tests/abuse fuzzing).
        raise ProxyError("bad_request", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ProxyError("bad_request", "The body must be a JSON object.")
    if has_unstorable_text(body):  # NUL or a lone surrogate: was a 500 (tests/abuse)
        raise ProxyError("bad_request", UNSTORABLE_MESSAGE)
    if not isinstance(body.get("tool"), str) or not body["tool"]:
        raise ProxyError("bad_request", 'The body needs "tool": the name of a tool.')
    if not isinstance(body.get("params", {}), dict):
        raise ProxyError("bad_request", 'The "params" must be a JSON object.')
    return body


def _no_constants(name: str) -> object:
    """NaN and Infinity are not JSON; PostgreSQL's jsonb refuses them (a 500, tests/abuse)."""
    raise ValueError(f"{name} is not valid JSON.")


@require_GET
async def mcp_health(request: HttpRequest) -> JsonResponse:
    """GET /api/mcp/health: each network's state, latency and last error."""
    return JsonResponse({"networks": redact_data(await client.network_health())})


@require_GET
async def backend_health(request: HttpRequest) -> JsonResponse:
    """GET /health: 200 when the database and the channel layer work; networks for detail."""
    report = redact_data(await health.backend_report())
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
