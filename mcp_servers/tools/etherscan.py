"""Verified contract ABIs from the Etherscan v2 API (one key; the chain id picks the chain).

Only the operator's ETHERSCAN_API_URL is ever asked, and a redirect from it is not followed:
nothing a user or a contract names becomes a URL this server fetches (issue 27)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from django.conf import settings
from pydantic import Field

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure, scrub
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput

MAX_REASON = 120  # Etherscan's own short reasons ("Contract source code not verified")


class ContractAbiInput(ToolInput):
    address: str = Field(description="Contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)


def describe_function(entry: dict[str, Any]) -> str:
    inputs = ",".join(str(item.get("type", "")) for item in entry.get("inputs", []))
    outputs = ",".join(str(item.get("type", "")) for item in entry.get("outputs", []))
    mutability = entry.get("stateMutability", "")
    return (
        f"{entry.get('name', '')}({inputs})"
        + (f"({outputs})" if outputs else "")
        + (f" [{mutability}]" if mutability else "")
    )


async def fetch_abi(chain: Chain, address: str, key: str) -> list[dict[str, Any]]:
    query: dict[str, str | int] = {
        "chainid": chain.network.chain_id,
        "module": "contract",
        "action": "getabi",
        "address": address,
        "apikey": key,
    }
    timeout = aiohttp.ClientTimeout(total=chain.timeout)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            url = settings.ETHERSCAN_API_URL
            async with session.get(url, params=query, allow_redirects=False) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        # A fixed sentence: an error's text may quote the URL (the key) or the answer's body.
        raise ToolFailure("Etherscan could not be asked for the ABI; try again later.") from None
    if not isinstance(body, dict):
        raise ToolFailure("Etherscan answered with something other than a JSON object.")
    if str(body.get("status")) != "1":
        reason = scrub(str(body.get("result") or body.get("message") or "unknown error"), [key])
        reason = reason[:MAX_REASON] + ("…" if len(reason) > MAX_REASON else "")
        raise ToolFailure(f"Etherscan has no verified ABI for {address} on {chain.name}: {reason}")
    try:
        abi = json.loads(body["result"])
    except (TypeError, ValueError, KeyError):
        raise ToolFailure("Etherscan answered with an ABI that is not valid JSON.") from None
    if not isinstance(abi, list):
        raise ToolFailure("Etherscan answered with an ABI that is not a list.")
    return abi


async def get_contract_abi(chain: Chain, params: ContractAbiInput) -> ToolResult:
    """A verified contract's ABI and its function list, from Etherscan (needs ETHERSCAN_API_KEY)."""
    key = settings.ETHERSCAN_API_KEY
    if not key:
        raise ToolFailure(
            "Contract ABIs are not configured on this server (it needs an Etherscan API key "
            "to look up verified contracts)."
        )
    address = await chain.resolve_address(params.address, "contract address")
    cache_key = f"abi:{chain.network.chain_id}:{address}"
    cached = cache_key in chain.cache
    if not cached:
        chain.cache[cache_key] = await fetch_abi(chain, address, key)
    abi: list[dict[str, Any]] = chain.cache[cache_key]
    functions = [describe_function(entry) for entry in abi if entry.get("type") == "function"]
    data = {
        "network": chain.name,
        "address": address,
        "abi": abi,
        "functions": functions,
        "cached": cached,
    }
    text = (
        f"The verified contract at {address} on {chain.name} has {len(functions)} function"
        f"{'' if len(functions) == 1 else 's'}"
        + (f": {', '.join(f.split('(')[0] for f in functions[:12])}" if functions else "")
        + ("…" if len(functions) > 12 else "")
        + "."
    )
    return ToolResult(text, data)
