"""mcp_proxy/costs.py: what a call costs, in units of the owners' budgets (a pure function)."""

from __future__ import annotations

import pytest

from mcp_proxy.costs import cost_of


@pytest.mark.parametrize(
    ("tool", "params", "cost"),
    [
        ("get_block_number", {}, 0),
        ("get_balance", {"address": "0x" + "ab" * 20}, 0),
        ("get_balance", {"address": "vitalik.eth"}, 1),  # one ENS name to resolve
        ("estimate_gas", {"to": "bob", "value": "1.5"}, 0),  # "1.5" is no name
        ("get_logs", {}, 1),  # the default 1,000 blocks
        ("get_logs", {"blocks": 10_000}, 10),
        ("get_logs", {"blocks": 1}, 1),
        ("get_logs", {"from_block": 100, "to_block": 2_099}, 2),
        ("get_logs", {"from_block": 100}, 10),  # up to the latest: the server's cap
        ("get_logs", {"from_block": 0, "to_block": 10**9}, 10),  # never above the cap
        ("get_token_transfers", {"address": "alice", "blocks": 5_000}, 5),
        ("get_approvals", {"owner": "alice"}, 50),  # the default 50,000 blocks
        ("get_approvals", {"owner": "alice", "blocks": 200_000}, 200),
        ("get_portfolio", {"address": "alice", "tokens": []}, 1),
        ("get_portfolio", {"address": "alice", "tokens": ["0x" + "cd" * 20] * 50}, 51),
        ("get_portfolio", {"address": "a.eth", "tokens": ["usdc.eth", "dai.eth"]}, 6),
        ("resolve_ens", {"name": "vitalik.eth"}, 1),
    ],
)
def test_cost_of_a_call(tool, params, cost):
    assert cost_of(tool, params) == cost
