"""The proxy's own endpoints (the networks' health, the backend's /health) and what the tool
call endpoint needs from the proxy: its body check and its error responses.

The tool call and tool list endpoints themselves (owner check, rate limit, the ToolCall row)
are sessions_app/tool_api.py: this package never imports sessions_app.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from chatproject.lib.redact import redact_data
from chatproject.lib.textcheck import UNSTORABLE_MESSAGE, has_unstorable_text
from mcp_proxy import health
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
    """GET /api/mcp/health: each network's state; for operators also its latency, replicas and
    last error (cached, mcp_proxy/health.py)."""
    networks = await health.network_health()
    if not await is_operator(request):
        networks = states_only(networks)
    return JsonResponse({"networks": redact_data(networks)})


@require_GET
async def backend_health(request: HttpRequest) -> JsonResponse:
    """GET /health: 200 when the database and the channel layer work; networks for detail
    (their state only, unless an operator asks)."""
    report = await health.backend_report()
    if not await is_operator(request):
        report = {
            "status": report["status"],
            "database": {"ok": report["database"]["ok"]},
            "channel_layer": {"ok": report["channel_layer"]["ok"]},
            "networks": states_only(report["networks"]),
        }
    report = redact_data(report)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


async def is_operator(request: HttpRequest) -> bool:
    """A staff user, or a scraper with the METRICS_TOKEN bearer token (as /metrics)."""
    token = str(settings.METRICS_TOKEN)
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    user = await request.auser()
    return bool(user.is_active and user.is_staff)


def states_only(networks: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see of the networks: each one's state, no replicas, errors or timings."""
    return {
        name: {"state": state.get("state", "down") if isinstance(state, dict) else "down"}
        for name, state in networks.items()
        if name != "error"
    }
