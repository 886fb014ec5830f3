"""Fetching a URL that someone else named (a contract's token URI) without reaching this machine
or any network behind it.

The check is on the addresses the name resolves to, not on the name: a host is resolved once,
every address it gives must be public (``is_public_ip``), and the request then connects to that
exact address (the Host header and the TLS server name keep the original name), so a DNS answer
that changes between the check and the connection (rebinding) is never used. Redirects are
followed by hand, each hop checked the same way. Failures are fixed sentences: no fetched body,
no socket error, nothing that tells a closed port from an open one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

NOT_PUBLIC = "the URL points at a private or local address, so it was not fetched"
UNREADABLE = "the URL could not be read"
TOO_LARGE = "the document at the URL is too large, so it was not read"
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
# Blocks that carry an IPv4 address inside an IPv6 one: judged by the IPv4 address they carry.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
TEREDO = ipaddress.IPv6Network("2001::/32")


class FetchRefused(Exception):
    """A fetch that did not happen or failed; ``str()`` is one of the fixed sentences above."""


def is_public_ip(ip: IPAddress) -> bool:
    """Whether ``ip`` is a public unicast address: not loopback, private, link-local, CGNAT,
    multicast, reserved, unspecified or documentation, nor an IPv6 address that wraps one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or _nat64_embedded(ip)
        if embedded is not None:
            return is_public_ip(embedded)
        if ip in IPV4_COMPATIBLE or ip in TEREDO:
            return False
    refused = (
        ip.is_loopback,
        ip.is_private,
        ip.is_link_local,
        ip.is_multicast,
        ip.is_reserved,
        ip.is_unspecified,
    )
    return ip.is_global and not any(refused)


def _nat64_embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None


async def fetch(
    url: str,
    timeout: float,
    max_bytes: int,
    allowed: AddressPolicy = is_public_ip,
) -> bytes:
    """The body of ``url`` (http or https, at most ``max_bytes``), fetched only from addresses
    ``allowed`` accepts; raises FetchRefused. ``allowed`` is for tests that stand a local
    server in for a public one."""
    try:
        async with asyncio.timeout(timeout):
            return await _follow(URL(url), max_bytes, allowed)
    except FetchRefused:
        raise
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError, UnicodeError):
        raise FetchRefused(UNREADABLE) from None


async def _follow(url: URL, max_bytes: int, allowed: AddressPolicy) -> bytes:
    async with aiohttp.ClientSession(trust_env=False) as session:
        for _ in range(MAX_REDIRECTS + 1):
            address = await _checked_address(url, allowed)
            async with session.get(address, **_request_options(url)) as response:
                location = response.headers.get("Location")
                if response.status in REDIRECTS and location:
                    url = url.join(URL(location))
                    continue
                if response.status != 200:
                    raise FetchRefused(UNREADABLE)
                return await _read_capped(response, max_bytes)
    raise FetchRefused(UNREADABLE)  # too many redirects


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    body = b""
    async for chunk in response.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise FetchRefused(TOO_LARGE)
    return body


async def _checked_address(url: URL, allowed: AddressPolicy) -> URL:
    """``url`` with its host replaced by the one address it is fetched from."""
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchRefused(UNREADABLE)
    addresses = await _resolve(url.host, url.port or 0)
    if not addresses or not all(allowed(ip) for ip in addresses):
        raise FetchRefused(NOT_PUBLIC)
    return url.with_host(str(addresses[0]))


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal in any spelling the system's resolver
    accepts, such as 2130706433 for 127.0.0.1, included)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchRefused(UNREADABLE) from None
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(found))


def _request_options(url: URL) -> dict[str, Any]:
    host = url.raw_host or ""
    header = f"[{host}]" if ":" in host else host
    if url.explicit_port is not None:
        header += f":{url.explicit_port}"
    options: dict[str, Any] = {"headers": {"Host": header}, "allow_redirects": False}
    if url.scheme == "https":
        options["server_hostname"] = url.host
    return options
