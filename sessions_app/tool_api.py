"""The proxy's tool endpoints as the chat sessions see them: POST /api/mcp/<network> and
GET /api/mcp/<network>/tools.

Here, not in mcp_proxy, because what they add to the proxy is the sessions': the owner check
(another owner's session is an unknown one), the rate limit per chat session, and the ToolCall
row kept on the session for the admin. mcp_proxy/asgi.py serves ``call`` on its lean path in
front of Django (chatproject/asgi.py hands it over). Async, so a call waiting on an MCP server
holds no thread; the database work runs on the database threads (chatproject/lib/dbthreads.py).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.http import HttpRequest, JsonResponse

from chatproject.lib.dbthreads import db
from chatproject.lib.logcontext import bound
from mcp_proxy import client, ratelimit
from mcp_proxy.client import ProxyError, ToolResult
from mcp_proxy.views import call_body, error_response, proxy_error_response
from sessions_app import limits, manager, tool_records
from sessions_app.api import allow
from sessions_app.models import ChatSession, ToolCall
from sessions_app.owner import owner_from_request

logger = logging.getLogger(__name__)


def _session_error(exc: manager.ChatSessionError) -> JsonResponse:
    return error_response(exc.code, exc.message, exc.status)


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


@allow("POST")
async def call(request: HttpRequest, network: str) -> JsonResponse:
    """POST /api/mcp/<network> {"session_id", "tool", "params"}."""
    try:
        body = call_body(request)
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
        result = await client.call_tool(
            network,
            tool,  # type: ignore[arg-type]
            params,
            chat_session.public_id,
            chat_session.owner_ref,
            chat_session.address_key,
        )
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
    await tool_records.save(row)
    return row


@allow("GET")
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
