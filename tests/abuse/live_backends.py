"""Real daphne backends for the socket tests of issue 27, and visitors that talk to them over
HTTP (cookies, CSRF, sign-in) and websockets, from a chosen loopback address."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from testsupport import local_http
from testsupport.processes import PROCESS_START_TIMEOUT, Daphne, start_daphne, wait_until

DEADLINE = 30.0


@contextmanager
def backends(database_url: str, count: int, **env: str) -> Iterator[list[Daphne]]:
    """``count`` daphne processes on one PostgreSQL and one Redis, as behind a balancer."""
    base = {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AGENT_PROVIDER": "builtin",
    }
    started = [start_daphne({**base, **env}, wait=False) for _ in range(count)]
    try:
        for daphne in started:
            wait_until(daphne.ready, PROCESS_START_TIMEOUT, f"daphne on {daphne.port}")
        yield started
    finally:
        for daphne in started:
            daphne.stop()


class Visitor:
    """One browser at one client address: its cookies go to whichever backend it calls."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.address = address
        self.cookies = httpx.Cookies()

    def http(self, backend: Daphne) -> local_http.Client:
        transport = local_http.transport(local_address=self.address)
        return local_http.client(
            base_url=backend.base_url, cookies=self.cookies, transport=transport, timeout=DEADLINE
        )

    def csrf(self, backend: Daphne) -> str:
        with self.http(backend) as client:
            token = str(client.get("/api/csrf").json()["csrf_token"])
            self.cookies.update(client.cookies)
        return token

    def post_form(self, backend: Daphne, path: str, form: dict[str, str]) -> httpx.Response:
        token = self.csrf(backend)
        with self.http(backend) as client:
            headers = {"X-CSRFToken": token, "Referer": backend.base_url + path}
            response = client.post(path, data=form, headers=headers)
            self.cookies.update(client.cookies)
        return response

    def sign_in(self, backend: Daphne, username: str, password: str, path: str) -> None:
        response = self.post_form(backend, path, {"username": username, "password": password})
        assert response.status_code == 302, (response.status_code, response.text[:500])

    def sign_out(self, backend: Daphne) -> None:
        response = self.post_form(backend, "/accounts/logout/", {})
        assert response.status_code == 302, (response.status_code, response.text[:500])

    def anonymous_chat(self) -> str:
        """A browser session of its own (no sign-in) that owns one new chat; made here, as the
        page's first POST would make them (the tests need no chat-creation limits)."""
        from django.contrib.sessions.backends.db import SessionStore

        from sessions_app import manager
        from sessions_app.owner import Owner

        store = SessionStore()
        store.create()
        key = str(store.session_key)
        self.cookies.set("sessionid", key, domain="127.0.0.1")
        return manager.create_chat_session(Owner(session_key=key)).public_id

    def socket(self, backend: Daphne, chat_id: str) -> Any:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return connect(
            f"ws://127.0.0.1:{backend.port}/ws/sessions/{chat_id}/",
            origin=backend.base_url,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie} if cookie else None,
            local_addr=(self.address, 0),
            open_timeout=DEADLINE,
        )


async def next_event(socket: ClientConnection, *types: str) -> dict[str, Any]:
    """The next event of one of ``types``, skipping others."""
    async with asyncio.timeout(DEADLINE):
        while True:
            event = json.loads(await socket.recv())
            if event["type"] in types or not types:
                return event


async def closed_with(socket: ClientConnection) -> tuple[int | None, list[dict[str, Any]]]:
    """Read until the server closes the socket: its close code, and the events before it."""
    seen: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(DEADLINE):
            while True:
                seen.append(json.loads(await socket.recv()))
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), seen
