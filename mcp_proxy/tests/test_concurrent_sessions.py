"""Many chat sessions calling both networks at once: each result lands on its own session."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from mcp_proxy.tests.conftest import make_browser
from sessions_app.models import ToolCall

SESSIONS = 12
CALLS_PER_NETWORK = 3
CHAIN_IDS = {"testnet": 31337, "polygon": 137}


@pytest.mark.django_db(transaction=True)
async def test_concurrent_sessions_each_get_their_own_results_and_rows(networks):
    browsers = [await sync_to_async(make_browser)(f"user{i}") for i in range(SESSIONS)]
    chats = [await sync_to_async(b.new_chat)() for b in browsers]

    async def session_run(index: int) -> list[tuple[str, int]]:
        client = browsers[index].async_client()
        chat_id = chats[index].public_id
        requests = [
            client.post(
                f"/api/mcp/{network}",
                {"session_id": chat_id, "tool": "get_network_info", "params": {}},
                content_type="application/json",
            )
            for network in CHAIN_IDS
            for _ in range(CALLS_PER_NETWORK)
        ]
        responses = await asyncio.gather(*requests)
        return [(r.status_code, r.json()["result"]["chain_id"]) for r in responses]

    results = await asyncio.gather(*(session_run(i) for i in range(SESSIONS)))
    expected = [(200, CHAIN_IDS[n]) for n in CHAIN_IDS for _ in range(CALLS_PER_NETWORK)]
    assert all(sorted(r) == sorted(expected) for r in results)
    for chat in chats:
        rows = await sync_to_async(list)(ToolCall.objects.filter(chat_session=chat))
        assert len(rows) == 2 * CALLS_PER_NETWORK
        assert all(not r.is_error and r.result["chain_id"] == CHAIN_IDS[r.network] for r in rows)
