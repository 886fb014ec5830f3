"""A browser-like client of the chat: its own cookie jar, CSRF token, sessions and websocket."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect


class ClientError(Exception):
    """The server answered with an error (HTTP error status or an ``error`` event)."""


@dataclass
class Browser:
    base_url: str
    http: httpx.AsyncClient = field(init=False)
    csrf_token: str = ""

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=60)

    async def __aenter__(self) -> Browser:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def open(self) -> None:
        response = await self.http.get("/api/csrf")
        response.raise_for_status()
        self.csrf_token = response.json()["csrf_token"]

    async def open_page(self, path: str = "/") -> None:
        """Load a chat page as a tab does: the HTML, and the CSRF cookie its script reads."""
        response = await self.http.get(path)
        response.raise_for_status()
        self.csrf_token = self.http.cookies["csrftoken"]

    async def aclose(self) -> None:
        await self.http.aclose()

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"X-CSRFToken": self.csrf_token, "Origin": self.base_url}
        response = await self.http.post(path, json=body, headers=headers)
        if response.status_code >= 400:
            raise ClientError(f"POST {path}: {response.status_code} {response.text[:200]}")
        return dict(response.json())

    async def create_session(self, network: str = "testnet") -> str:
        return str((await self.post("/api/sessions", {"network": network}))["session"]["id"])

    async def close_session(self, session_id: str) -> None:
        await self.post(f"/api/sessions/{session_id}/close", {})

    async def history(self, session_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/api/sessions/{session_id}")
        response.raise_for_status()
        return dict(response.json())

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    async def websocket(self, session_id: str, base_url: str | None = None) -> ClientConnection:
        """The session's websocket, with this browser's cookie and its own page's Origin."""
        base = base_url or self.base_url
        host = urlsplit(base).netloc
        return await connect(
            f"ws://{host}/ws/sessions/{session_id}/",
            origin=base,  # type: ignore[arg-type]
            additional_headers={"Cookie": self.cookie_header()},
            open_timeout=60,
            max_size=2**22,
        )


async def receive(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def receive_until(
    ws: ClientConnection, types: set[str], timeout: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Events up to and including the first whose type is in ``types``."""
    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while True:
        event = await receive(ws, max(0.01, deadline - time.monotonic()))
        seen.append(event)
        if event.get("type") in types:
            return event, seen
