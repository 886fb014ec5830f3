"""Approvals an address has granted, as they stand now, and taking them back.

get_approvals finds candidates in the Approval and ApprovalForAll logs whose owner topic is the
owner, over a bounded block range read in chunks of at most logs.MAX_BLOCK_RANGE blocks (the
bound get_logs keeps, which providers accept), then checks each one on chain at the latest
block: an approval revoked, spent or made void by a transfer since is not listed. The revoke
tools build approve(spender, 0), setApprovalForAll(operator, false) or, for one ERC-721 token,
approve(address(0), id), and hand them to the common write path (erc20.prepare_planned /
send_planned), which simulates them and judges them like every other write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from eth_utils import to_checksum_address
from pydantic import Field
from web3.exceptions import ContractLogicError

from mcp_servers.abi import decode_output
from mcp_servers.chain import Chain
from mcp_servers.effects import UNLIMITED_THRESHOLD
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import decoded
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.erc20 import DEV_FROM_DESCRIPTION, prepare_planned, send_planned
from mcp_servers.tools.logs import MAX_BLOCK_RANGE, fetch_logs, hexstr
from mcp_servers.tools.nfts import token_id_of
from mcp_servers.tools.standards import call_raw, calldata, detect, require_standard
from mcp_servers.tools.tokens import decode_text, token_metadata
from mcp_servers.topics import APPROVAL_FOR_ALL_TOPIC, APPROVAL_TOPIC, address_topic, topic_address
from mcp_servers.units import format_units

MAX_APPROVAL_BLOCKS = 200_000  # at most 20 eth_getLogs calls of MAX_BLOCK_RANGE blocks
DEFAULT_APPROVAL_BLOCKS = 50_000
PARALLEL_CALLS = 4  # RPC calls in flight at once: providers rate-limit bursts
MAX_CHECKED = 100  # approvals re-checked on chain, newest first
ZERO_ADDRESS = "0x" + "0" * 40

ALLOWANCE, SINGLE, OPERATOR = "allowance", "token", "operator"
T = TypeVar("T")


class ApprovalsInput(ToolInput):
    owner: str = Field(
        description="Who granted the approvals. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    token: str | None = Field(
        None,
        description="Only this token or NFT contract. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )
    from_block: int | None = Field(
        None, description="First block searched (default: to_block - blocks + 1).", ge=0
    )
    to_block: int | None = Field(
        None, description="Last block searched (default: the latest).", ge=0
    )
    blocks: int = Field(
        DEFAULT_APPROVAL_BLOCKS,
        description=f"How many blocks back from to_block to search (default "
        f"{DEFAULT_APPROVAL_BLOCKS}, at most {MAX_APPROVAL_BLOCKS}).",
        ge=1,
        le=MAX_APPROVAL_BLOCKS,
    )


class RevokeInput(ToolInput):
    token: str = Field(
        description="The ERC-20, ERC-721 or ERC-1155 contract. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )
    from_address: str = Field(
        description="The owner who granted the approval. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )
    spender: str = Field(
        description="The spender or operator to take it back from. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )
    token_id: int | str | None = Field(
        None,
        description="ERC-721 only: take back the approval of this one token id "
        "(approve(address(0), id)) instead of an operator.",
    )


class SendRevokeInput(RevokeInput):
    from_address: str = Field(description=DEV_FROM_DESCRIPTION, max_length=256)


@dataclass(frozen=True)
class Candidate:
    """An approval seen in a log; whether it still holds is checked on chain."""

    token: str
    kind: str  # ALLOWANCE (ERC-20), SINGLE (one ERC-721 token), OPERATOR (ApprovalForAll)
    spender: str
    token_id: int | None
    block: int

    @property
    def key(self) -> tuple[str, str, str]:
        # A later log of the same key supersedes an earlier one; one ERC-721 token has one
        # approved address at a time, so its key is the id, not the spender.
        who = str(self.token_id) if self.kind == SINGLE else self.spender
        return (self.token, self.kind, who)


# Finding the candidates ---------------------------------------------------------------------


async def search_range(chain: Chain, params: ApprovalsInput) -> tuple[int, int]:
    latest = await (await chain.ready()).eth.block_number
    end = latest if params.to_block is None else params.to_block
    if end > latest:
        raise ToolFailure(
            f"to_block does not exist yet on {chain.name}; the latest block is {latest}."
        )
    start = max(0, end - params.blocks + 1) if params.from_block is None else params.from_block
    if start > end:
        raise ToolFailure("from_block is after to_block.")
    if end - start + 1 > MAX_APPROVAL_BLOCKS:
        raise ToolFailure(
            f"That is {end - start + 1} blocks; approvals are searched over at most "
            f"{MAX_APPROVAL_BLOCKS} blocks at a time. Narrow the range."
        )
    return start, end


def chunks(start: int, end: int) -> list[tuple[int, int]]:
    return [(s, min(s + MAX_BLOCK_RANGE - 1, end)) for s in range(start, end + 1, MAX_BLOCK_RANGE)]


async def bounded(calls: Iterable[Awaitable[T]]) -> list[T]:
    """The calls' results in order, at most PARALLEL_CALLS at a time."""
    gate = asyncio.Semaphore(PARALLEL_CALLS)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(call) for call in calls)))


async def approval_logs(
    chain: Chain, owner: str, token: str | None, start: int, end: int
) -> list[Any]:
    """Approval and ApprovalForAll logs with ``owner`` as owner topic, oldest first."""
    topics = [[APPROVAL_TOPIC, APPROVAL_FOR_ALL_TOPIC], address_topic(owner)]
    base: dict[str, Any] = {"topics": topics} | ({"address": token} if token else {})
    found = await bounded(
        fetch_logs(chain, base | {"fromBlock": first, "toBlock": last})
        for first, last in chunks(start, end)
    )
    logs = [log for part in found for log in part]
    return sorted(logs, key=lambda log: (log["blockNumber"], log["logIndex"]))


def candidate_of(log: Any) -> Candidate | None:
    """The approval a log records; None for a log of another shape (or a cleared approval)."""
    topics = [hexstr(t) for t in log["topics"]]
    raw = bytes(log["data"])
    token, block = to_checksum_address(log["address"]), int(log["blockNumber"])
    if len(topics) == 4 and topics[0] == APPROVAL_TOPIC:
        spender = topic_address(topics[2])
        return Candidate(token, SINGLE, spender, int(topics[3], 16), block)
    if len(topics) != 3 or len(raw) != 32:
        return None
    kind = ALLOWANCE if topics[0] == APPROVAL_TOPIC else OPERATOR
    return Candidate(token, kind, topic_address(topics[2]), None, block)


def latest_candidates(logs: list[Any]) -> list[Candidate]:
    """The newest candidate of each (token, kind, spender or token id), newest first."""
    latest: dict[tuple[str, str, str], Candidate] = {}
    for log in logs:
        candidate = candidate_of(log)
        if candidate is not None:
            latest.pop(candidate.key, None)  # re-inserted last: dict order is newest last
            latest[candidate.key] = candidate
    return [c for c in reversed(latest.values()) if c.spender != ZERO_ADDRESS]


# Checking them on chain ---------------------------------------------------------------------


async def read_uint(chain: Chain, contract: str, data: str) -> int:
    return int(decode_output(("uint256",), await call_raw(chain, contract, data))[0])


async def read_address(chain: Chain, contract: str, data: str) -> str:
    return to_checksum_address(
        decode_output(("address",), await call_raw(chain, contract, data))[0]
    )


async def allowance_now(chain: Chain, token: str, owner: str, spender: str) -> int:
    data = calldata("allowance(address,address)", ("address", "address"), (owner, spender))
    return await read_uint(chain, token, data)


async def operator_now(chain: Chain, contract: str, owner: str, operator: str) -> bool:
    data = calldata("isApprovedForAll(address,address)", ("address", "address"), (owner, operator))
    return await read_uint(chain, contract, data) == 1


async def single_now(chain: Chain, contract: str, owner: str, spender: str, token_id: int) -> bool:
    """The token is still the owner's and ``spender`` is still its approved address."""
    approved = await read_address(
        chain, contract, calldata("getApproved(uint256)", ("uint256",), (token_id,))
    )
    if approved != spender:
        return False
    holder = await read_address(
        chain, contract, calldata("ownerOf(uint256)", ("uint256",), (token_id,))
    )
    return holder == owner


async def total_supply(chain: Chain, token: str) -> int | None:
    try:
        return await read_uint(chain, token, calldata("totalSupply()"))
    except (ContractLogicError, ToolFailure):
        return None


async def nft_names(chain: Chain, contract: str) -> dict[str, str | None]:
    """An NFT collection's name and symbol, each None when the contract has none."""
    names: dict[str, str | None] = {}
    for key in ("name", "symbol"):
        try:
            names[key] = decode_text(await call_raw(chain, contract, calldata(f"{key}()")))
        except (ContractLogicError, ToolFailure):
            names[key] = None
    return names


async def allowance_entry(chain: Chain, owner: str, c: Candidate) -> dict[str, Any] | None:
    amount = await allowance_now(chain, c.token, owner, c.spender)
    if amount == 0:
        return None
    meta = await token_metadata(chain, c.token)  # type: ignore[arg-type]
    supply = await total_supply(chain, c.token)
    unlimited = amount >= UNLIMITED_THRESHOLD or (supply is not None and amount > supply)
    decimals = int(str(meta["decimals"]))
    return {
        "name": meta["name"],
        "symbol": meta["symbol"],
        "standard": "erc20",
        "amount": "unlimited" if unlimited else format_units(amount, decimals),
        "allowance": str(amount),
        "unlimited": unlimited,
    }


async def nft_entry(chain: Chain, owner: str, c: Candidate) -> dict[str, Any] | None:
    if c.kind == OPERATOR:
        live = await operator_now(chain, c.token, owner, c.spender)
    else:
        live = await single_now(chain, c.token, owner, c.spender, c.token_id or 0)
    if not live:
        return None
    standard = await detect(chain, c.token)  # an operator may be of a contract without ERC-165
    single = {"token_id": str(c.token_id), "amount": "1"} if c.kind == SINGLE else {}
    return {
        **await nft_names(chain, c.token),
        "standard": standard,
        "amount": "all",
        "unlimited": c.kind == OPERATOR,
        **single,
    }


async def live_entry(chain: Chain, owner: str, c: Candidate) -> dict[str, Any] | None:
    """The approval as it stands at the latest block, or None when it no longer holds (or
    the contract does not answer like a token)."""
    try:
        found = await (
            allowance_entry(chain, owner, c) if c.kind == ALLOWANCE else nft_entry(chain, owner, c)
        )
    except (ContractLogicError, ToolFailure):
        return None
    if found is None:
        return None
    head = {"token": c.token, "kind": c.kind, "spender": c.spender}
    return head | {"spender_label": await chain.label(c.spender), "block_number": c.block} | found


# The read tool ------------------------------------------------------------------------------


def entry_line(entry: dict[str, Any]) -> str:
    what = entry.get("symbol") or entry.get("name") or entry["token"]
    who = entry["spender_label"]
    if entry["kind"] == ALLOWANCE:
        amount = "an unlimited amount of" if entry["unlimited"] else entry["amount"]
        return f"- {who} may spend {amount} {what} ({entry['token']})"
    if entry["kind"] == OPERATOR:
        return f"- {who} may move every {what} token ({entry['token']}, operator)"
    return f"- {who} may move {what} token #{entry['token_id']} ({entry['token']})"


def range_sentence(start: int, end: int) -> str:
    searched = f"{end - start + 1} block{'s' if end != start else ''} ({start} to {end})"
    if start == 0:
        return f"Searched {searched}: the whole chain."
    return (
        f"Searched {searched}; approvals granted before block {start} are not seen (the search "
        f"covers at most {MAX_APPROVAL_BLOCKS} blocks)."
    )


async def get_approvals(chain: Chain, params: ApprovalsInput) -> ToolResult:
    """The approvals an address has granted that still hold: ERC-20 allowances (amount in token
    units, or "unlimited"), ERC-721/1155 operators (ApprovalForAll) and ERC-721 single-token
    approvals. Found in Approval/ApprovalForAll logs over a bounded block range (default
    50,000, at most 200,000 blocks), each re-checked on chain at the latest block."""
    owner = await chain.resolve_address(params.owner, "owner address")
    token = await chain.resolve_address(params.token, "token address") if params.token else None
    start, end = await search_range(chain, params)
    candidates = latest_candidates(await approval_logs(chain, owner, token, start, end))
    checked = candidates[:MAX_CHECKED]
    found = await bounded(live_entry(chain, owner, c) for c in checked)
    entries = [entry for entry in found if entry is not None]
    data = {
        "network": chain.name,
        "owner": owner,
        "token": token,
        "from_block": start,
        "to_block": end,
        "blocks_searched": end - start + 1,
        "reached_chain_start": start == 0,
        "approvals": entries,
        "count": len(entries),
        "truncated": len(candidates) > MAX_CHECKED,
    }
    who = await chain.label(owner)
    more = (
        f" Only the newest {MAX_CHECKED} approvals seen were checked." if data["truncated"] else ""
    )
    if not entries:
        head = f"{who} has no live approvals on {chain.name}."
        return ToolResult(f"{head} {range_sentence(start, end)}{more}", data)
    head = (
        f"{who} has {len(entries)} live approval{'s' if len(entries) != 1 else ''} on {chain.name}:"
    )
    lines = "\n".join(entry_line(entry) for entry in entries)
    return ToolResult(f"{head}\n{lines}\n{range_sentence(start, end)}{more}", data)


# Taking one back ----------------------------------------------------------------------------


async def revoke_plan(chain: Chain, params: RevokeInput) -> tuple[dict[str, Any], decoded.Summary]:
    token = await chain.resolve_address(params.token, "token address")
    owner = await chain.resolve_address(params.from_address, "owner address")
    spender = await chain.resolve_address(params.spender, "spender address")
    standard = await require_standard(chain, token, "erc20", "erc721", "erc1155")
    token_id = None if params.token_id is None else token_id_of(params.token_id)
    if token_id is not None and standard != "erc721":
        raise ToolFailure(
            "token_id is for an ERC-721 single-token approval; leave it out for "
            f"{'an ERC-20' if standard == 'erc20' else 'an ERC-1155'} contract."
        )
    if standard == "erc20":
        data, fields, what = await erc20_revoke(chain, token, owner, spender)
    elif token_id is not None:
        data, fields, what = await single_revoke(chain, token, owner, spender, token_id)
    else:
        data, fields, what = await operator_revoke(chain, token, owner, spender)
    label = await chain.label(spender)
    action = f"Take back {label}'s permission to {what}"
    fields = {"token": token, "standard": standard, "spender": spender} | fields
    tx = {"from": owner, "to": token, "value": 0, "data": data}
    return tx, decoded.Summary("revoke_approval", action, fields)


RevokeParts = tuple[str, dict[str, Any], str]  # calldata, card fields, "spend TUSD"


async def nothing_to_revoke(chain: Chain, spender: str, owner: str, what: str) -> ToolFailure:
    return ToolFailure(
        f"{await chain.label(spender)} has no permission to {what} for "
        f"{await chain.label(owner)} on {chain.name}: there is nothing to take back."
    )


async def erc20_revoke(chain: Chain, token: str, owner: str, spender: str) -> RevokeParts:
    meta = await token_metadata(chain, token)  # type: ignore[arg-type]
    what = f"spend {meta['symbol']}"
    if await allowance_now(chain, token, owner, spender) == 0:
        raise await nothing_to_revoke(chain, spender, owner, what)
    data = calldata("approve(address,uint256)", ("address", "uint256"), (spender, 0))
    fields = decoded.token_fields(token, meta) | {"amount": "0"}
    return data, fields, what


async def operator_revoke(chain: Chain, contract: str, owner: str, spender: str) -> RevokeParts:
    names = await nft_names(chain, contract)
    what = f"move every {names['symbol'] or names['name'] or contract} token"
    if not await operator_now(chain, contract, owner, spender):
        failure = await nothing_to_revoke(chain, spender, owner, what)
        raise ToolFailure(f"{failure} For one token's approval, give its token_id.")
    data = calldata("setApprovalForAll(address,bool)", ("address", "bool"), (spender, False))
    return data, names | {"operator": True}, what


async def single_revoke(
    chain: Chain, contract: str, owner: str, spender: str, token_id: int
) -> RevokeParts:
    names = await nft_names(chain, contract)
    what = f"move {names['symbol'] or names['name'] or contract} token #{token_id}"
    try:
        live = await single_now(chain, contract, owner, spender, token_id)
    except ContractLogicError:
        raise ToolFailure(
            f"Token #{token_id} of {contract} does not exist on {chain.name}."
        ) from None
    if not live:
        raise await nothing_to_revoke(chain, spender, owner, what)
    data = calldata("approve(address,uint256)", ("address", "uint256"), (ZERO_ADDRESS, token_id))
    return data, names | {"token_id": str(token_id)}, what


async def prepare_revoke_approval(chain: Chain, params: RevokeInput) -> ToolResult:
    """Prepare an unsigned transaction for the owner's wallet that takes back an approval:
    approve(spender, 0) for an ERC-20, setApprovalForAll(operator, false) for an ERC-721 or
    ERC-1155 operator, approve(address(0), id) for one ERC-721 token (give token_id). Refused
    when there is nothing to take back."""
    tx, summary = await revoke_plan(chain, params)
    return await prepare_planned(chain, tx, summary)


async def send_revoke_approval(chain: Chain, params: SendRevokeInput) -> ToolResult:
    """Dev networks only: take back an approval from an unlocked dev account (ERC-20 allowance,
    NFT operator, or one ERC-721 token with token_id)."""
    tx, summary = await revoke_plan(chain, params)
    return await send_planned(chain, tx, summary, "prepare_revoke_approval")
