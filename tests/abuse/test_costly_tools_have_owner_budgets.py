"""Finding 14 of issue 27: any visitor could drive get_logs over 10,000 blocks, 50-token
portfolios and ENS fan-out against the operator's paid RPC, as fast as the call rate allowed.

Replayed through the proxy against the real runmcp and Anvil: each costly call draws its cost
(one unit per 1,000 blocks, per token, per ENS name) from its owner's budget per minute. When
it is spent, mallory gets a 429 with Retry-After; cheap calls still work, and alice's budget is
her own. A client address has a budget too, so a new cookie is not a new budget."""

from __future__ import annotations

import asyncio

import pytest
from django.db import close_old_connections

from mcp_proxy import client as proxy
from mcp_proxy.client import ProxyError
from mcp_proxy.tests.conftest import call
from sessions_app.tests.agent_support import make_browser, point_network

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = 25
WIDE_LOGS = {"blocks": 10_000}  # 10 units


@pytest.fixture
def budgets(settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", mcp_testnet.url)
    settings.TOOL_COST_PER_MINUTE = BUDGET
    settings.PROXY_RATE_LIMIT = 0  # the call rate is not what is measured here
    settings.PROXY_CALLS_PER_MINUTE = 0
    return settings


def test_an_owner_who_spent_the_budget_gets_429_and_others_do_not(budgets):
    mallory, alice = make_browser("mallory"), make_browser("alice")
    chat, browser = mallory.new_chat(), mallory.client()
    first = [call(browser, "testnet", chat.public_id, "get_logs", WIDE_LOGS) for _ in range(2)]
    assert [r.status_code for r in first] == [200, 200], [r.content for r in first]
    refused = call(browser, "testnet", chat.public_id, "get_logs", WIDE_LOGS)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and "costly tool calls" in error["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    again = mallory.new_chat()  # a new chat of the same owner: the same budget
    assert call(browser, "testnet", again.public_id, "get_logs", WIDE_LOGS).status_code == 429
    assert call(browser, "testnet", chat.public_id, "get_block_number").status_code == 200
    theirs = alice.new_chat()
    assert (
        call(alice.client(), "testnet", theirs.public_id, "get_logs", WIDE_LOGS).status_code == 200
    )


def test_a_portfolio_of_many_tokens_draws_one_unit_per_token(budgets):
    mallory = make_browser("mallory")
    chat, browser = mallory.new_chat(), mallory.client()
    tokens = {"address": "alice", "tokens": ["0x" + "cd" * 20] * 20}  # 21 units
    assert call(browser, "testnet", chat.public_id, "get_portfolio", tokens).status_code == 200
    small = {"address": "alice", "tokens": ["0x" + "cd" * 20] * 4}  # 5 more: over 25
    assert call(browser, "testnet", chat.public_id, "get_portfolio", small).status_code == 429


def test_a_call_costing_more_than_the_whole_budget_is_refused_clearly(budgets):
    mallory = make_browser("mallory")
    chat, browser = mallory.new_chat(), mallory.client()
    wide = {"owner": "alice", "blocks": 200_000}  # 200 units
    response = call(browser, "testnet", chat.public_id, "get_approvals", wide)
    assert response.status_code == 400
    assert "narrow the block range" in response.json()["error"]["message"]


def test_new_owners_from_one_address_share_the_address_budget(budgets):
    """mallory drops her cookie before each call: every call is a new owner, but the same
    client address (LIMIT_ADDRESS_FACTOR times the owner's budget; 1 here)."""
    budgets.LIMIT_ADDRESS_FACTOR = 1
    close_old_connections()

    async def as_new_owner(index: int) -> str:
        try:
            await proxy.call_tool(
                "testnet", "get_logs", WIDE_LOGS, owner=f"browser:{index}", address="127.0.0.9"
            )
        except ProxyError as exc:
            return exc.code
        return "ok"

    async def four_owners() -> list[str]:
        return [await as_new_owner(index) for index in range(4)]

    assert asyncio.run(four_owners()) == ["ok", "ok", "rate_limited", "rate_limited"]
