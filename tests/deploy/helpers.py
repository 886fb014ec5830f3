"""Helpers of the deployment tests."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import uuid
from typing import Any, Protocol

import httpx
from websockets.asyncio.client import ClientConnection, connect

from testsupport import local_http

DEADLINE = 60.0


class Endpoint(Protocol):
    """Where a visitor's requests go: one daphne process, or the load balancer."""

    port: int

    @property
    def base_url(self) -> str: ...


def network_health_state(body: object, network: str) -> str:
    """The state /health gives ``network``, whether nested under "networks" or not."""
    if not isinstance(body, dict):
        return ""
    networks = body.get("networks", body)
    entry = networks.get(network) if isinstance(networks, dict) else None
    return str(entry.get("state", "")) if isinstance(entry, dict) else ""


def stack_env_serving_only_testnet(rpc_url: str) -> dict[str, str]:
    """Overrides of `make run`'s environment (runstack) that serve testnet at ``rpc_url`` and
    no other network: only a network with an RPC URL gets its MCP server."""
    from chatproject.lib.networks import TABLE

    env = {row.rpc_env: "" for row in TABLE}
    env["TESTNET_RPC_URL"] = rpc_url
    return env


def backend_env_serving_only_testnet(mcp_url: str) -> dict[str, str]:
    """Overrides of a backend's environment: testnet's MCP server at ``mcp_url``, and no server
    (not configured) for the other networks. The backend needs no RPC URL."""
    from chatproject.lib.networks import TABLE

    env = {f"MCP_{row.name.upper()}_URL": "" for row in TABLE}
    env["MCP_TESTNET_URL"] = mcp_url
    return env


class Visitor:
    """One browser: its cookies go to whichever process answers, as behind a load balancer."""

    def __init__(self) -> None:
        self.cookies = httpx.Cookies()
        self.csrf_token = ""

    async def post(self, backend: Endpoint, path: str, body: dict[str, Any]) -> httpx.Response:
        async with local_http.async_client(
            base_url=backend.base_url, cookies=self.cookies
        ) as client:
            if not self.csrf_token:
                self.csrf_token = (await client.get("/api/csrf")).json()["csrf_token"]
            headers = {"X-CSRFToken": self.csrf_token}
            response = await client.post(path, json=body, headers=headers, timeout=DEADLINE)
            self.cookies.update(client.cookies)
        return response

    async def new_chat(self, backend: Endpoint) -> str:
        response = await self.post(backend, "/api/sessions", {"network": "testnet"})
        assert response.status_code == 201, response.text
        return response.json()["session"]["id"]

    async def say(
        self, backend: Endpoint, chat_id: str, text: str, client_msg_id: str = ""
    ) -> httpx.Response:
        body = {"session_id": chat_id, "message": text, "network": "testnet"}
        body["client_msg_id"] = client_msg_id or uuid.uuid4().hex
        return await self.post(backend, "/api/chat", body)

    def socket(self, backend: Endpoint, chat_id: str) -> Any:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {"Cookie": cookie, "Origin": backend.base_url}
        url = f"ws://127.0.0.1:{backend.port}/ws/sessions/{chat_id}/"
        return connect(url, additional_headers=headers, open_timeout=DEADLINE)


async def events_until(socket: ClientConnection, event_type: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(DEADLINE):
        while not seen or seen[-1]["type"] != event_type:
            seen.append(json.loads(await socket.recv()))
    return seen


def nginx_test_config(site: str, workdir: str) -> str:
    """deploy/nginx.conf's server block wrapped in a main config that runs unprivileged."""
    temp_paths = " ".join(
        f"{kind}_temp_path {workdir}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Workers read the test's private temporary files: they run as the test's own user.
    user = pwd.getpwuid(os.getuid()).pw_name
    return (
        f"user {user}; pid {workdir}/nginx.pid; error_log {workdir}/error.log; events {{}} "
        f"http {{ access_log {workdir}/access.log; {temp_paths} {site} }}"
    )
