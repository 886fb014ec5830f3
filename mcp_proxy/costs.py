"""What a tool call costs the operator's RPC, in units drawn from an owner's budget per minute
(TOOL_COST_PER_MINUTE, mcp_proxy/ratelimit.py): one unit per 1,000 blocks of logs searched,
per token of a portfolio, per ENS name to resolve. Cheap calls cost nothing here; the call rate
limits already bound them.

The ranges mirror the servers' own defaults and caps (mcp_servers/tools/logs.py, approvals.py),
so a call is charged for what the server will actually read, never more than its cap.
"""

from __future__ import annotations

import math
import re
from typing import Any

BLOCKS_PER_UNIT = 1_000
# tool -> (blocks searched without from_block/blocks, the most one call may search)
BLOCK_RANGES = {
    "get_logs": (1_000, 10_000),
    "get_token_transfers": (1_000, 10_000),
    "get_approvals": (50_000, 200_000),
}
# A name with a dot whose last label starts with a letter ("vitalik.eth"), not "1.5".
ENS_NAME = re.compile(r"^[^\s/:@]+\.[A-Za-z][A-Za-z0-9-]*$")


def cost_of(tool: str, params: dict[str, Any]) -> int:
    """The units one call of ``tool`` with ``params`` (already validated) costs."""
    cost = ens_names(params)
    if tool in BLOCK_RANGES:
        cost += math.ceil(blocks_searched(tool, params) / BLOCKS_PER_UNIT)
    if tool == "get_portfolio":
        tokens = params.get("tokens")
        cost += 1 + (len(tokens) if isinstance(tokens, list) else 0)
    return cost


def blocks_searched(tool: str, params: dict[str, Any]) -> int:
    default, cap = BLOCK_RANGES[tool]
    start, end = _whole(params.get("from_block")), _whole(params.get("to_block"))
    blocks = _whole(params.get("blocks"))
    if start is not None and end is not None:
        span = end - start + 1
    elif start is not None:
        span = cap  # from a block up to the latest: as far as the server allows
    else:
        span = default if blocks is None else blocks
    return max(1, min(span, cap))


def ens_names(value: Any) -> int:
    """How many strings in ``value`` (nested lists and objects included) are ENS names."""
    if isinstance(value, str):
        return 1 if ENS_NAME.match(value.strip()) and not value.startswith("0x") else 0
    if isinstance(value, list):
        return sum(ens_names(item) for item in value)
    if isinstance(value, dict):
        return sum(ens_names(item) for item in value.values())
    return 0


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
