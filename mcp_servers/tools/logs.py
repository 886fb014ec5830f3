"""Event logs over a bounded block range (eth_getLogs), decoded: ERC-20/721 Transfer and
Approval, ERC-1155 transfers, ApprovalForAll, and every event of a given or fetched ABI;
and an address's recent token transfers in and out."""

from __future__ import annotations

import asyncio
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError
from pydantic import Field

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult, jsonable
from mcp_servers.tools.abi_reads import abi_for, abi_type
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.tokens import token_decimals_or_none, token_metadata
from mcp_servers.topics import (
    APPROVAL_TOPIC,
    TRANSFER_TOPIC,
    address_topic,
    topic_address,
    topic_of,
)
from mcp_servers.units import format_units

MAX_BLOCK_RANGE = 10_000
DEFAULT_BLOCKS = 1_000
MAX_LOGS = 200
MAX_TRANSFERS = 50


KNOWN_EVENTS = {
    topic_of(sig): sig
    for sig in (
        "Transfer(address,address,uint256)",
        "Approval(address,address,uint256)",
        "ApprovalForAll(address,address,bool)",
        "TransferSingle(address,address,address,uint256,uint256)",
        "TransferBatch(address,address,address,uint256[],uint256[])",
    )
}
TRANSFER, APPROVAL = TRANSFER_TOPIC, APPROVAL_TOPIC
BLOCKS_DESCRIPTION = (
    f"How many blocks back from to_block (default {DEFAULT_BLOCKS}, at most {MAX_BLOCK_RANGE})."
)


class GetLogsInput(ToolInput):
    address: str | None = Field(
        None,
        description="Contract whose events to read. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )
    event: str | None = Field(
        None,
        description="Only this event: a name ('Transfer') or a signature "
        "('Transfer(address,address,uint256)').",
        max_length=300,
    )
    from_block: int | None = Field(
        None, description="First block (default: to_block - blocks + 1).", ge=0
    )
    to_block: int | None = Field(None, description="Last block (default: the latest).", ge=0)
    blocks: int = Field(DEFAULT_BLOCKS, description=BLOCKS_DESCRIPTION, ge=1, le=MAX_BLOCK_RANGE)
    abi: list[dict[str, Any]] | None = Field(None, description="An ABI whose events to decode.")
    use_verified_abi: bool = Field(
        False,
        description="Fetch the contract's verified ABI from the explorer to decode its events.",
    )


class TokenTransfersInput(ToolInput):
    address: str = Field(
        description="Whose transfers. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    token: str | None = Field(
        None, description="Only this token contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    blocks: int = Field(DEFAULT_BLOCKS, description=BLOCKS_DESCRIPTION, ge=1, le=MAX_BLOCK_RANGE)


async def block_range(
    chain: Chain, start: int | None, end: int | None, blocks: int
) -> tuple[int, int]:
    latest = await (await chain.ready()).eth.block_number
    end = latest if end is None else end
    if end > latest:
        raise ToolFailure(
            f"to_block does not exist yet on {chain.name}; the latest block is {latest}."
        )
    start = max(0, end - blocks + 1) if start is None else start
    if start > end:
        raise ToolFailure("from_block is after to_block.")
    if end - start + 1 > MAX_BLOCK_RANGE:
        raise ToolFailure(
            f"That is {end - start + 1} blocks; logs are read over at most {MAX_BLOCK_RANGE} "
            "blocks at a time. Narrow the range."
        )
    return start, end


def abi_events(abi: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    events = {}
    for entry in abi:
        if isinstance(entry, dict) and entry.get("type") == "event" and entry.get("name"):
            types = ",".join(abi_type(p) for p in entry.get("inputs", []))
            events[topic_of(f"{entry['name']}({types})")] = entry
    return events


def event_topic(event: str, abi_map: dict[str, dict[str, Any]]) -> str:
    text = event.replace(" ", "")
    if "(" in text:
        return topic_of(text)
    for topic, entry in abi_map.items():
        if entry["name"] == text:
            return topic
    for topic, sig in KNOWN_EVENTS.items():
        if sig.split("(")[0] == text:
            return topic
    raise ToolFailure(
        "That event is not known: give its full signature, e.g. Transfer(address,address,uint256)."
    )


def hexstr(value: Any) -> str:
    text = value.hex() if hasattr(value, "hex") else str(value)
    return text if text.startswith("0x") else "0x" + text


async def decode_known(
    chain: Chain, log: dict[str, Any], topics: list[str], raw: bytes
) -> dict[str, Any] | None:
    signature = KNOWN_EVENTS.get(topics[0]) if topics else None
    if signature is None:
        return None
    name = signature.split("(")[0]
    if name in ("Transfer", "Approval") and len(topics) == 3 and len(raw) == 32:
        amount = int.from_bytes(raw, "big")
        decimals = await token_decimals_or_none(chain, log["address"])
        keys = ("from", "to") if name == "Transfer" else ("owner", "spender")
        return {
            "event": name,
            "standard": "erc20",
            keys[0]: topic_address(topics[1]),
            keys[1]: topic_address(topics[2]),
            "amount": str(amount),
            "amount_formatted": None if decimals is None else format_units(amount, decimals),
        }
    if name in ("Transfer", "Approval") and len(topics) == 4:
        keys = ("from", "to") if name == "Transfer" else ("owner", "approved")
        return {"event": name, "standard": "erc721", keys[0]: topic_address(topics[1]),
                keys[1]: topic_address(topics[2]), "token_id": str(int(topics[3], 16))}  # fmt: skip
    return None


def decode_with_abi(entry: dict[str, Any], topics: list[str], raw: bytes) -> dict[str, Any] | None:
    inputs = entry.get("inputs", [])
    indexed = [p for p in inputs if p.get("indexed")]
    plain = [p for p in inputs if not p.get("indexed")]
    if len(indexed) != len(topics) - 1:
        return None
    try:
        values = dict(
            zip(
                [p["name"] for p in plain],
                eth_abi.decode([abi_type(p) for p in plain], raw),
                strict=True,
            )
        )
        for param, topic in zip(indexed, topics[1:], strict=True):
            kind = abi_type(param)
            dynamic = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
            values[param["name"]] = (
                topic if dynamic else eth_abi.decode([kind], bytes.fromhex(topic[2:]))[0]
            )
    except (DecodingError, ValueError, OverflowError, KeyError):
        return None
    ordered = {p["name"]: values[p["name"]] for p in inputs if p.get("name") in values}
    return {"event": entry["name"], "args": jsonable(ordered)}


async def decode_log(chain: Chain, log: Any, abi_map: dict[str, dict[str, Any]]) -> dict[str, Any]:
    topics = [hexstr(t) for t in log["topics"]]
    raw = bytes(log["data"])
    entry: dict[str, Any] = {
        "address": log["address"],
        "block_number": log["blockNumber"],
        "tx_hash": hexstr(log["transactionHash"]),
        "log_index": log["logIndex"],
    }
    known = await decode_known(chain, log, topics, raw)
    by_abi = (
        decode_with_abi(abi_map[topics[0]], topics, raw)
        if topics and topics[0] in abi_map
        else None
    )
    if known or by_abi:
        return entry | (known or {}) | (by_abi or {})
    return entry | {"topics": topics, "data": "0x" + raw.hex()}


async def fetch_logs(chain: Chain, query: dict[str, Any]) -> list[Any]:
    w3 = await chain.ready()
    return list(await w3.eth.get_logs(query))  # type: ignore[arg-type]


async def get_logs(chain: Chain, params: GetLogsInput) -> ToolResult:
    """Event logs over a bounded block range (at most 10,000 blocks), decoded: Transfer and
    Approval (ERC-20 amounts in token units, ERC-721 token ids), ERC-1155 transfers, and the
    events of a given ABI or of the contract's verified ABI."""
    address = (
        await chain.resolve_address(params.address, "contract address") if params.address else None
    )
    if params.use_verified_abi and not address:
        raise ToolFailure("use_verified_abi needs the contract address.")
    abi = params.abi
    if params.use_verified_abi and abi is None and address:
        abi = await abi_for(chain, address, None)
    abi_map = abi_events(abi or [])
    start, end = await block_range(chain, params.from_block, params.to_block, params.blocks)
    query: dict[str, Any] = {"fromBlock": start, "toBlock": end}
    if address:
        query["address"] = address
    if params.event:
        query["topics"] = [event_topic(params.event, abi_map)]
    found = await fetch_logs(chain, query)
    logs = [await decode_log(chain, log, abi_map) for log in found[:MAX_LOGS]]
    data = {
        "network": chain.name,
        "from_block": start,
        "to_block": end,
        "logs": logs,
        "count": len(found),
        "truncated": len(found) > MAX_LOGS,
    }
    decoded_count = sum(1 for log in logs if "event" in log)
    where = f" of {address}" if address else ""
    text = (
        f"{len(found)} log{'s' if len(found) != 1 else ''}{where} in blocks {start} to {end} on "
        f"{chain.name} ({decoded_count} decoded)"
        + (f"; the first {MAX_LOGS} are listed." if data["truncated"] else ".")
    )
    return ToolResult(text, data)


async def transfer_row(chain: Chain, log: Any, holder: str) -> dict[str, Any]:
    row = await decode_log(chain, log, {})
    row["direction"] = "out" if row.get("from") == holder else "in"
    if row.get("standard") == "erc20":
        try:
            row["symbol"] = (await token_metadata(chain, log["address"]))["symbol"]
        except ToolFailure:
            row["symbol"] = None
    return row


async def get_token_transfers(chain: Chain, params: TokenTransfersInput) -> ToolResult:
    """An address's recent ERC-20 and ERC-721 transfers in and out (Transfer events over the last
    blocks, newest first; amounts in token units)."""
    holder = await chain.resolve_address(params.address, "address")
    token = await chain.resolve_address(params.token, "token address") if params.token else None
    start, end = await block_range(chain, None, None, params.blocks)
    base: dict[str, Any] = {"fromBlock": start, "toBlock": end}
    if token:
        base["address"] = token
    out_logs, in_logs = await asyncio.gather(
        fetch_logs(chain, base | {"topics": [TRANSFER, address_topic(holder)]}),
        fetch_logs(chain, base | {"topics": [TRANSFER, None, address_topic(holder)]}),
    )
    # A transfer to oneself matches both queries: keep it once.
    unique = {(log["blockNumber"], log["logIndex"]): log for log in out_logs + in_logs}
    logs = sorted(
        unique.values(), key=lambda log: (log["blockNumber"], log["logIndex"]), reverse=True
    )
    rows = [await transfer_row(chain, log, holder) for log in logs[:MAX_TRANSFERS]]
    data = {
        "network": chain.name,
        "address": holder,
        "from_block": start,
        "to_block": end,
        "transfers": rows,
        "count": len(logs),
        "truncated": len(logs) > MAX_TRANSFERS,
    }
    who = await chain.label(holder)
    if not rows:
        return ToolResult(
            f"{who} has no token transfers in blocks {start} to {end} on {chain.name}.", data
        )
    latest = rows[0]
    amount = latest.get("amount_formatted") or latest.get("amount")
    what = (
        f"{amount} {latest.get('symbol') or ''}".strip()
        if latest.get("standard") == "erc20"
        else f"token #{latest.get('token_id')}"
    )
    ins = sum(r["direction"] == "in" for r in rows)
    text = (
        f"{who} has {len(logs)} token transfer{'s' if len(logs) != 1 else ''} in blocks "
        f"{start} to {end} on {chain.name} ({ins} in, {len(rows) - ins} out); the latest: {what} "
        f"{latest['direction']}."
    )
    return ToolResult(text, data)
