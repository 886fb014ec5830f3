"""The backend's own health: the database, a round trip through the channel layer, networks."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.layers import get_channel_layer
from django.db import connection

from chatproject.dbthreads import db
from mcp_proxy import client

CHECK_TIMEOUT = 3.0


async def backend_report() -> dict[str, Any]:
    """``status`` is "ok" when the backend itself (database + channel layer) works."""
    database, channel_layer, networks = await asyncio.gather(
        _timed(db(_database_check)()), _timed(_channel_layer_check()), _networks()
    )
    ok = database["ok"] and channel_layer["ok"]
    return {
        "status": "ok" if ok else "down",
        "database": database,
        "channel_layer": channel_layer,
        "networks": networks,
    }


async def _timed(check: Any) -> dict[str, Any]:
    """Run one check within CHECK_TIMEOUT; a failure names its kind, never a DSN or URL."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await check
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {CHECK_TIMEOUT:g} s"}
    except Exception as exc:
        return {"ok": False, "error": f"failed ({type(exc).__name__})"}
    return {"ok": True, "latency_ms": int((loop.time() - started) * 1000)}


def _database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _channel_layer_check() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    channel = await layer.new_channel("health.")
    await layer.send(channel, {"type": "health.ping"})
    message = await layer.receive(channel)
    await _drop_channel(layer, channel)
    if message.get("type") != "health.ping":
        raise RuntimeError("the channel layer returned another message")


async def _drop_channel(layer: Any, channel: str) -> None:
    """Channels has no delete_channel: a layer lets a channel go when a receive on it is
    cancelled, which is how a consumer leaves. Without this the Pub/Sub layer would keep one
    subscription per health check for the life of the process."""
    pending = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)  # let it start waiting
    pending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await pending


async def _networks() -> dict[str, Any]:
    try:
        return await client.network_health()
    except Exception as exc:  # the networks are detail: they never fail the backend's check
        return {"error": f"failed ({type(exc).__name__})"}
