"""The library arms of bench/bench_infra.py: each hand-written piece of infrastructure as the
well-kept library would do it. Nothing in the product imports this module.

- ``django_application``: the backend's ASGI application with every HTTP request, the proxy's
  tool call included, through Django's own handler and its whole middleware chain (the product
  serves the tool call from mcp_proxy/asgi.py in front of it).
- ``SdkConnection``: mcp_proxy.rpc.McpConnection's interface over the SDK's ``mcp.Client``
  (streamable HTTP on httpx2), one persistent client per server URL.
- ``save_with_orm``: a ToolCall row written with the ORM's ``acount`` and ``asave``, the cap
  kept (the product batches rows, sessions_app/tool_records.py).
- ``database_sync_to_async`` (channels) and ``sync_to_async(thread_sensitive=False)`` over
  Django's psycopg pool, in place of chatproject/lib/dbthreads.py (the bench sets
  DATABASE_POOL=1 for these arms).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def _django_application() -> Any:
    from channels.routing import ProtocolTypeRouter

    from chatproject import asgi

    websocket = asgi.application.application_mapping["websocket"]
    return ProtocolTypeRouter({"http": asgi.django_asgi_app, "websocket": websocket})


def __getattr__(name: str) -> Any:
    # Built on first use: importing this module must not import the backend (the workers).
    if name == "django_application":
        return _django_application()
    raise AttributeError(name)


class SdkConnection:
    """One server URL through ``mcp.Client``; the client lives in a task of its own (its
    context manager must be left in the task that entered it), calls come from any task."""

    def __init__(self, url: str, http: Any, token: Callable[[], str]) -> None:
        from mcp_proxy.rpc import health_url_for

        self.url = url
        self.health_url = health_url_for(url)
        self.http = http  # aiohttp: the pool's health probes and close() use it
        self._token = token
        self._client: Any = None
        self._opening: asyncio.Future[Any] | None = None
        self._stop: asyncio.Event | None = None
        self.initialize_count = 0

    def forget_handshake(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._client = self._opening = self._stop = None

    async def request(self, method: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
        import httpx2
        from mcp.shared.exceptions import MCPError

        from mcp_proxy.rpc import RpcError, TransportFailure

        try:
            client = await self._connected()
            if method == "tools/list":
                result = await client.list_tools(cursor=params.get("cursor"))
            else:
                result = await client.call_tool(
                    params["name"],
                    params.get("arguments"),
                    read_timeout_seconds=timeout,
                    meta=params.get("_meta"),
                )
        except MCPError as exc:
            raise RpcError(exc.error.code, exc.error.message) from None
        except httpx2.ConnectError:
            raise TransportFailure("unreachable", "refused the connection", False) from None
        except httpx2.TimeoutException:
            raise TransportFailure("timeout", "did not answer in time", True) from None
        except httpx2.HTTPError:
            raise TransportFailure("dropped", "dropped the connection", True) from None
        answer: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return answer

    async def _connected(self) -> Any:
        if self._client is not None:
            return self._client
        if self._opening is None:
            self._opening = asyncio.get_running_loop().create_future()
            self._stop = asyncio.Event()
            asyncio.get_running_loop().create_task(self._hold(self._opening, self._stop))
        return await asyncio.shield(self._opening)

    async def _hold(self, opening: asyncio.Future[Any], stop: asyncio.Event) -> None:
        import httpx2
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        headers = {"authorization": f"Bearer {token}"} if (token := self._token()) else {}
        limits = httpx2.Limits(max_connections=16, max_keepalive_connections=16)
        timeout = httpx2.Timeout(30, read=300)
        try:
            async with (
                httpx2.AsyncClient(headers=headers, limits=limits, timeout=timeout) as http,
                Client(streamable_http_client(self.url, http_client=http)) as client,
            ):
                self.initialize_count += 1
                self._client = client
                opening.set_result(client)
                await stop.wait()
        except BaseException as exc:
            if not opening.done():
                opening.set_exception(exc)
            else:
                log.warning("the SDK client of %s ended: %r", self.url, exc)


async def save_with_orm(row: Any) -> None:
    """tool_records.save with the ORM's own async calls: count, then insert, one row each."""
    from django.conf import settings

    from sessions_app.models import ToolCall
    from sessions_app.tool_records import bounded

    bounded(row)
    cap = settings.MAX_MESSAGES_PER_SESSION
    if cap > 0:
        held = await ToolCall.objects.filter(chat_session_id=row.chat_session_id).acount()
        if held >= cap:
            log.info("tool call %s not stored: its chat holds %d already", row.tool, cap)
            return
    await row.asave()


def database_sync_to_async(function: Callable[..., Any]) -> Callable[..., Any]:
    """Channels' wrapper: one thread for every call, old connections closed around each."""
    from channels.db import database_sync_to_async as wrap

    return wrap(function)  # type: ignore[no-any-return]


def sync_to_async_unpinned(function: Callable[..., Any]) -> Callable[..., Any]:
    """asgiref's executor threads (thread_sensitive=False), the connection back to Django's
    pool after each call, as channels does around its calls."""
    from asgiref.sync import sync_to_async
    from django.db import close_old_connections

    def call(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(call, thread_sensitive=False)
