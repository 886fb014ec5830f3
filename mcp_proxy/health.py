"""The backend's own health: the database, a round trip through the channel layer, networks.

The networks' health probes every replica of every network (two RPC calls each), so it is
cached for MCP_HEALTH_CACHE_SECONDS: any number of visitors asking /health or /api/mcp/health
cost one round of probes per period (issue 27). The cache is keyed by the networks' settings,
so a changed configuration is never answered from the old one's report.

Each round also leaves what it found of each network in ``_known``, which any thread reads
without waiting: mcp_proxy/availability.py decides from it which networks the chat can use.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from chatproject.lib.dbthreads import db
from chatproject.lib.networks import Network
from mcp_proxy import client
from mcp_proxy.loop import proxy_loop, run_on_proxy_loop

CHECK_TIMEOUT = 3.0
# (configuration key, loop time it expires at, report); touched only on the proxy loop.
_cached: tuple[str, float, dict[str, dict[str, Any]]] | None = None
_probing: dict[str, asyncio.Future[dict[str, dict[str, Any]]]] = {}


@dataclass(frozen=True)
class Known:
    """What the last round of probes found of one network: its state (client.network_health)
    and the time.monotonic() it was found at."""

    state: str
    checked_at: float


# By network_key: written on the proxy loop, read from any thread (one dict lookup).
_known: dict[tuple[str, tuple[str, ...], str], Known] = {}


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
        return await network_health()
    except Exception as exc:  # the networks are detail: they never fail the backend's check
        return {"error": f"failed ({type(exc).__name__})"}


async def network_health() -> dict[str, dict[str, Any]]:
    """client.network_health(), at most once per MCP_HEALTH_CACHE_SECONDS per configuration;
    callers arriving while a probe runs share it."""
    return copy.deepcopy(await run_on_proxy_loop(_cached_network_health()))


async def _cached_network_health() -> dict[str, dict[str, Any]]:
    global _cached
    key, now = _configuration_key(), asyncio.get_running_loop().time()
    if _cached is not None and _cached[0] == key and now < _cached[1]:
        return _cached[2]
    if key not in _probing:
        _probing[key] = asyncio.ensure_future(_probe_round())
        _probing[key].add_done_callback(lambda _: _probing.pop(key, None))
    report = await asyncio.shield(_probing[key])
    seconds = float(settings.MCP_HEALTH_CACHE_SECONDS)
    _cached = (key, asyncio.get_running_loop().time() + seconds, report)
    return report


async def _probe_round() -> dict[str, dict[str, Any]]:
    networks = list(settings.NETWORKS.values())
    report = await client.network_health(networks)
    now = time.monotonic()
    for network in networks:
        _known[network_key(network)] = Known(report[network.name]["state"], now)
    return report


def _configuration_key() -> str:
    """What the report depends on: each network's servers and the token they are asked with."""
    parts = [f"{n.name}|{','.join(n.mcp_urls)}" for n in settings.NETWORKS.values()]
    parts.append(str(settings.MCP_AUTH_TOKEN))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def network_key(network: Network) -> tuple[str, tuple[str, ...], str]:
    """A network's state holds for its servers, asked with this token, and no others."""
    return (network.name, network.mcp_urls, str(settings.MCP_AUTH_TOKEN))


def known(network: Network) -> Known | None:
    """What the last round found of ``network`` as configured now; None before any round."""
    return _known.get(network_key(network))


def refresh() -> None:
    """Start a round of probes (unless the cached one is still fresh) and return at once:
    from any thread or loop, the proxy loop included."""
    asyncio.run_coroutine_threadsafe(_cached_network_health(), proxy_loop())
