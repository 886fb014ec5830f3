"""HTTP to the servers the tests start on this machine: httpx, with one SSL context.

Every ``httpx.get()`` and every ``httpx.Client()`` builds an SSL context that loads certifi's
CA bundle: 20-40 ms of CPU on the 2-core machine, for servers that speak plain HTTP. The
readiness polls (every 50 ms while a server starts, beside the starting server), the chains'
check before each test and the tests' own requests made that a quarter of the test workers'
CPU (py-spy, `--subprocesses`). These are httpx's own calls and classes, handed one context
built once; each call still opens a connection of its own and keeps none, as httpx.get() does
(a test may kill the server behind it). `make lint` refuses httpx's in the tests (ruff TID251).
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

SSL_CONTEXT = ssl.create_default_context()

Client = httpx.Client  # for annotations; `client()` makes one


def client(**options: Any) -> httpx.Client:
    return httpx.Client(verify=SSL_CONTEXT, **options)


def async_client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=SSL_CONTEXT, **options)


def transport(**options: Any) -> httpx.HTTPTransport:
    return httpx.HTTPTransport(verify=SSL_CONTEXT, **options)


def request(
    method: str,
    url: str,
    *,
    timeout: float | httpx.Timeout = 5.0,
    follow_redirects: bool = False,
    cookies: Any = None,
    **request_options: Any,
) -> httpx.Response:
    """``httpx.request()``: a client for this one call (its timeout, redirects and cookies)."""
    with client(timeout=timeout, follow_redirects=follow_redirects, cookies=cookies) as http:
        return http.request(method, url, **request_options)


def get(url: str, **options: Any) -> httpx.Response:
    return request("GET", url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return request("POST", url, **options)
