"""mcp_servers/safefetch.py: which addresses count as public (a pure function), and fetches of
this machine in every spelling (127.0.0.1, ::1, 127.0.0.2, localhost, 2130706433,
::ffff:127.0.0.1, a redirect) refused with one sentence before any request is sent."""

from __future__ import annotations

import ipaddress

import pytest

from mcp_servers import safefetch
from mcp_servers.safefetch import NOT_PUBLIC, FetchRefused, is_public_ip
from testsupport.recording_http import recording_server

NOT_PUBLIC_ADDRESSES = [
    "127.0.0.1",
    "127.0.0.2",
    "127.255.255.254",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "192.0.0.1",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",  # unique local
    "fd12:3456::1",
    "fe80::1",  # link-local
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 around 192.168.1.1
    "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
    "2001::1",  # Teredo
    "2001:db8::1",  # documentation
]
PUBLIC_ADDRESSES = [
    "1.1.1.1",
    "8.8.8.8",
    "93.184.215.14",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.1",  # just above it
    "172.32.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",  # IPv4-mapped public
    "2002:808:808::1",  # 6to4 around 8.8.8.8
    "64:ff9b::808:808",  # NAT64 around 8.8.8.8
]


@pytest.mark.parametrize("address", NOT_PUBLIC_ADDRESSES)
def test_addresses_of_this_machine_and_private_networks_are_not_public(address):
    assert not is_public_ip(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_unicast_addresses_are_public(address):
    assert is_public_ip(ipaddress.ip_address(address))


async def refusal_of(url: str, **options) -> str:
    with pytest.raises(FetchRefused) as refused:
        await safefetch.fetch(url, 5.0, 1024, **options)
    return str(refused.value)


async def test_every_spelling_of_this_machine_is_refused_before_any_request():
    with (
        recording_server("127.0.0.1") as local,
        recording_server("127.0.0.2") as other,
        recording_server("::1") as local6,
    ):
        urls = [
            local.url(),
            f"http://localhost:{local.port}/health",
            f"http://2130706433:{local.port}/health",
            f"http://0x7f000001:{local.port}/health",
            f"http://[::ffff:127.0.0.1]:{local.port}/health",
            other.url(),
            local6.url(),
            f"https://127.0.0.1:{local.port}/health",
            "http://127.0.0.1:1/closed-port",
            "http://10.255.255.1:81/filtered",
            "http://169.254.169.254/latest/meta-data/",
        ]
        refusals = {await refusal_of(url) for url in urls}
        assert refusals == {NOT_PUBLIC}  # closed, open or filtered: one sentence
        assert local.requests == other.requests == local6.requests == []


async def test_a_redirect_from_an_allowed_address_to_this_machine_is_refused():
    """A stand-in for a public host: 127.0.0.2 is allowed by a test-only policy, and it
    redirects to 127.0.0.1, which is checked again and refused."""
    allowed = ipaddress.ip_address("127.0.0.2")
    with recording_server("127.0.0.1") as target:
        with recording_server("127.0.0.2", redirect_to=target.url()) as hop:
            refusal = await refusal_of(hop.url("/meta.json"), allowed=lambda ip: ip == allowed)
    assert refusal == NOT_PUBLIC
    assert len(hop.requests) == 1 and target.requests == []


async def test_an_allowed_address_is_fetched_at_the_resolved_ip_with_the_original_host():
    allowed = ipaddress.ip_address("127.0.0.1")
    body = {"name": "Public cat"}
    with recording_server("127.0.0.1", body=body) as server:
        url = f"http://localhost:{server.port}/cat.json"
        fetched = await safefetch.fetch(url, 5.0, 1024, allowed=lambda ip: ip == allowed)
    assert b"Public cat" in fetched
    assert server.requests == [{"path": "/cat.json", "host": f"localhost:{server.port}"}]


async def test_a_body_over_the_cap_is_not_read():
    allowed = ipaddress.ip_address("127.0.0.1")
    with recording_server("127.0.0.1", body={"padding": "x" * 5000}) as server:
        refusal = await refusal_of(server.url(), allowed=lambda ip: ip == allowed)
    assert refusal == safefetch.TOO_LARGE


async def test_other_schemes_and_unknown_hosts_are_not_read():
    assert await refusal_of("file:///etc/passwd") == safefetch.UNREADABLE
    assert await refusal_of("gopher://127.0.0.1:70/") == safefetch.UNREADABLE
    assert await refusal_of("http://no-such-host.invalid/x.json") == safefetch.UNREADABLE
