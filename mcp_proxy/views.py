"""The proxy endpoints: thin async views over mcp_proxy.client, plus the backend's /health.

Async, so a call waiting on an MCP server holds no thread; the database work (ownership,
rate limit, the ToolCall row) runs on sessions_app.dbthreads, whose threads keep their
connections open (under ASGI, sync_to_async would open a new connection per request).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from chatproject.logcontext import bound
from chatproject.redact import redact_data
from chatproject.textcheck import UNSTORABLE_MESSAGE, has_unstorable_text
from mcp_proxy import client, health, ratelimit, records
from mcp_proxy.client import ProxyError, ToolResult
from sessions_app import limits, manager
from sessions_app.dbthreads import db
from sessions_app.models import ChatSession, ToolCall
from sessions_app.owner import owner_from_request

logger = logging.getLogger(__name__)


def _error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    body = {"ok": False, "error": {"code": code, "message": message, **extra}}
    response = JsonResponse(body, status=status)
    if "retry_after" in extra:
        response["Retry-After"] = str(extra["retry_after"])
    return response


def body_too_large() -> ProxyError:
    return ProxyError("bad_request", "The request body is too large.", status=413)


def proxy_error_response(exc: ProxyError) -> JsonResponse:
    return _error(exc.code, exc.message, exc.status, **exc.extra)


def _session_error(exc: manager.ChatSessionError) -> JsonResponse:
    return _error(exc.code, exc.message, exc.status)


def _admit(request: HttpRequest, session_id: object) -> ChatSession:
    """The caller's live chat session (the one shared ownership check), then rate tokens: the
    chat session's, and its owner's and client address's (sessions_app/limits.py)."""
    owner = owner_from_request(request)
    chat_session = manager.get_active_for_owner(session_id, owner)
    ratelimit.check(chat_session.public_id)
    try:
        limits.check_proxy_call(owner, limits.address_of_request(request))
    except limits.RateLimited as exc:
        raise ProxyError("rate_limited", exc.message, retry_after=exc.retry_after) from None
    return chat_session


@require_POST
async def call(request: HttpRequest, network: str) -> JsonResponse:
    """POST /api/mcp/<network> {"session_id", "tool", "params"}."""
    try:
        body = _call_body(request)
    except ProxyError as exc:
        return proxy_error_response(exc)
    with bound(network=network):
        try:
            chat_session = await db(_admit)(request, body.get("session_id"))
        except manager.ChatSessionError as exc:
            return _session_error(exc)
        except ProxyError as exc:
            return proxy_error_response(exc)
        with bound(session=chat_session.public_id):
            return await _call_and_record(chat_session, network, body)


async def _call_and_record(
    chat_session: ChatSession, network: str, body: dict[str, Any]
) -> JsonResponse:
    tool, params = body.get("tool"), body.get("params", {})
    try:
        result = await client.call_tool(network, tool, params)  # type: ignore[arg-type]
    except ProxyError as exc:
        logger.info("tool call %s refused: %s", tool, exc.code)
        await _record(chat_session, network, tool, params, None, exc)
        return proxy_error_response(exc)
    row = await _record(chat_session, network, tool, params, result, None)
    answer = {"ok": True, "result": result.payload(), "text": result.text}
    return JsonResponse({**answer, "duration_ms": result.duration_ms, "call_id": row.call_id})


async def _record(
    chat_session: ChatSession,
    network: str,
    tool: object,
    params: object,
    result: ToolResult | None,
    error: ProxyError | None,
) -> ToolCall:
    """Every call that reached the proxy is kept on its chat session (the admin shows it)."""
    row = ToolCall(
        chat_session=chat_session,
        call_id=f"proxy-{secrets.token_hex(8)}",
        network=network[:32],
        tool=str(tool)[:64],
        arguments=params if isinstance(params, dict) else {"invalid": repr(params)[:200]},
        result=result.payload() if result else error.as_dict() if error else None,
        is_error=error is not None,
        duration_ms=result.duration_ms if result else 0,
    )
    await records.save(row)
    return row


def _call_body(request: HttpRequest) -> dict[str, Any]:
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
async def tools(request: HttpRequest, network: str) -> JsonResponse:
    """GET /api/mcp/<network>/tools?session_id=..."""
    session_id = request.GET.get("session_id")
    with bound(network=network):
        try:
            await db(_owned)(request, session_id)
            specs = await client.list_tools(network)
        except manager.ChatSessionError as exc:
            return _session_error(exc)
        except ProxyError as exc:
            return proxy_error_response(exc)
    return JsonResponse({"ok": True, "network": network, "tools": [s.as_dict() for s in specs]})


def _owned(request: HttpRequest, session_id: object) -> ChatSession:
    return manager.get_active_for_owner(session_id, owner_from_request(request))


@require_GET
async def mcp_health(request: HttpRequest) -> JsonResponse:
    """GET /api/mcp/health: each network's state, latency and last error."""
    return JsonResponse({"networks": redact_data(await client.network_health())})


@require_GET
async def backend_health(request: HttpRequest) -> JsonResponse:
    """GET /health: 200 when the database and the channel layer work; networks for detail."""
    report = redact_data(await health.backend_report())
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
