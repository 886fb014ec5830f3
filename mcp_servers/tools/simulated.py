"""The effects a simulated write would have, read off its logs: transfers of native currency,
ERC-20, ERC-721 and ERC-1155 tokens, allowances, operators and Permit2 allowances, each with
the token's symbol and decimals and the other side's label."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import eth_abi
from eth_utils import to_checksum_address
from web3.exceptions import Web3Exception

from mcp_servers.chain import Chain
from mcp_servers.effects import (
    APPROVAL,
    CREATED,
    FEE,
    NATIVE,
    OPERATOR,
    PERMIT2_MAX_AMOUNT,
    TRANSFER,
    UNLIMITED_THRESHOLD,
    Effect,
)
from mcp_servers.errors import ToolFailure
from mcp_servers.simulation import NATIVE_PSEUDO_TOKEN, Log, Simulation
from mcp_servers.tools.standards import call_raw, calldata
from mcp_servers.tools.tokens import decode_text, token_metadata
from mcp_servers.topics import (
    APPROVAL_FOR_ALL_TOPIC,
    APPROVAL_TOPIC,
    PERMIT2_APPROVAL_TOPIC,
    PERMIT2_PERMIT_TOPIC,
    TRANSFER_BATCH_TOPIC,
    TRANSFER_SINGLE_TOPIC,
    TRANSFER_TOPIC,
    topic_address,
)
from mcp_servers.units import short_address


async def read(chain: Chain, sender: str, simulation: Simulation) -> list[Effect]:
    """Every movement and permission the simulated logs show, in order, labelled for people."""
    found: list[Effect] = []
    for log in simulation.logs:
        found += await log_effects(chain, log)
    found += [
        Effect(CREATED, NATIVE, address, NATIVE, "contract") for address in simulation.created
    ]
    for effect in found:
        effect.you = effect.address.lower() == sender.lower()
        if effect.counterparty:
            effect.counterparty_label = await chain.label(effect.counterparty)
    await mark_unlimited(chain, [e for e in found if e.you and e.kind == APPROVAL])
    return found


def fee_effect(chain: Chain, sender: str, fee: int) -> Effect:
    return Effect(FEE, NATIVE, sender, NATIVE, chain.currency, 18, -fee, you=True)


async def log_effects(chain: Chain, log: Log) -> list[Effect]:
    topic0, count = (log.topics[0] if log.topics else ""), len(log.topics)
    if topic0 == TRANSFER_TOPIC and count == 3 and len(log.data) == 32:
        asset = await asset_of(chain, log.address, "erc20")
        return movement(asset, log.topics[1], log.topics[2], word(log.data, 0))
    if topic0 == TRANSFER_TOPIC and count == 4:
        asset = await asset_of(chain, log.address, "erc721")
        return movement(asset, log.topics[1], log.topics[2], 1, int(log.topics[3], 16))
    if topic0 == TRANSFER_SINGLE_TOPIC and count == 4 and len(log.data) == 64:
        asset = await asset_of(chain, log.address, "erc1155")
        token_id, amount = word(log.data, 0), word(log.data, 1)
        return movement(asset, log.topics[2], log.topics[3], amount, token_id)
    if topic0 == TRANSFER_BATCH_TOPIC and count == 4:
        asset = await asset_of(chain, log.address, "erc1155")
        ids, amounts = eth_abi.decode(["uint256[]", "uint256[]"], log.data)
        moves = [
            movement(asset, log.topics[2], log.topics[3], a, i)
            for i, a in zip(ids, amounts, strict=True)
        ]
        return [effect for move in moves for effect in move]
    return await permission_effects(chain, log, topic0, count)


async def permission_effects(chain: Chain, log: Log, topic0: str, count: int) -> list[Effect]:
    if topic0 == APPROVAL_TOPIC and count == 3 and len(log.data) == 32:
        asset = await asset_of(chain, log.address, "erc20")
        return [permission(asset, APPROVAL, log.topics[1], log.topics[2], word(log.data, 0))]
    if topic0 == APPROVAL_TOPIC and count == 4:
        asset = await asset_of(chain, log.address, "erc721")
        approved = topic_address(log.topics[2])
        granted = int(approved, 16) != 0
        effect = permission(asset, APPROVAL, log.topics[1], log.topics[2], int(granted))
        effect.token_id = int(log.topics[3], 16)
        return [effect] if granted else []
    if topic0 == APPROVAL_FOR_ALL_TOPIC and count == 3 and len(log.data) == 32:
        asset = await asset_of(chain, log.address, "erc721")
        return [permission(asset, OPERATOR, log.topics[1], log.topics[2], word(log.data, 0))]
    if topic0 in (PERMIT2_APPROVAL_TOPIC, PERMIT2_PERMIT_TOPIC) and count == 4:
        token = await asset_of(chain, topic_address(log.topics[2]), "erc20")
        asset = Asset(token.address, "permit2", token.symbol, token.decimals)
        effect = permission(asset, APPROVAL, log.topics[1], log.topics[3], word(log.data, 0))
        effect.unlimited = effect.amount >= PERMIT2_MAX_AMOUNT
        return [effect]
    return []


@dataclass(frozen=True)
class Asset:
    address: str
    standard: str
    symbol: str
    decimals: int


async def asset_of(chain: Chain, address: str, standard: str) -> Asset:
    """The token's symbol and decimals; a token that does not say shows its short address."""
    if address.lower() == NATIVE_PSEUDO_TOKEN:
        return Asset(NATIVE, NATIVE, chain.currency, 18)
    checksum = to_checksum_address(address)
    try:
        meta = await token_metadata(chain, checksum)
        symbol, decimals = str(meta["symbol"]), int(str(meta["decimals"]))
    except ToolFailure:
        symbol, decimals = await nft_symbol(chain, checksum), 0
    if standard in ("erc721", "erc1155"):
        decimals = 0
    return Asset(checksum, standard, symbol, decimals)


async def nft_symbol(chain: Chain, contract: str) -> str:
    key = f"symbol:{contract}"
    if key not in chain.cache:
        try:
            chain.cache[key] = (
                decode_text(await call_raw(chain, contract, calldata("symbol()"))) or None
            )
        except (ToolFailure, Web3Exception, ValueError):
            chain.cache[key] = None
    return chain.cache[key] or f"tokens of {short_address(contract)}"


def movement(
    asset: Asset, source: str, target: str, amount: int, token_id: int | None = None
) -> list[Effect]:
    """The two sides of one transfer; a mint has no sender side and a burn no recipient side."""
    sender, recipient = topic_address(source), topic_address(target)
    sides = []
    if int(sender, 16):
        sides.append(
            Effect(
                TRANSFER,
                asset.standard,
                sender,
                asset.address,
                asset.symbol,
                asset.decimals,
                -amount,
                recipient,
                token_id,
            )
        )
    if int(recipient, 16):
        sides.append(
            Effect(
                TRANSFER,
                asset.standard,
                recipient,
                asset.address,
                asset.symbol,
                asset.decimals,
                amount,
                sender if int(sender, 16) else None,
                token_id,
            )
        )
    return sides


def permission(asset: Asset, kind: str, owner: str, grantee: str, amount: int) -> Effect:
    return Effect(
        kind,
        asset.standard,
        topic_address(owner),
        asset.address,
        asset.symbol,
        asset.decimals,
        amount,
        topic_address(grantee),
        unlimited=kind == APPROVAL and amount >= UNLIMITED_THRESHOLD,
    )


def word(data: bytes, index: int) -> int:
    return int.from_bytes(data[32 * index : 32 * (index + 1)], "big")


async def mark_unlimited(chain: Chain, approvals: list[Effect]) -> None:
    """An allowance above what the holder has, or above the supply, is as good as unlimited."""
    for effect in approvals:
        if effect.unlimited or not effect.amount or effect.standard == "erc721":
            continue
        balance, supply = await holdings(chain, effect.asset, effect.address)
        if (supply is not None and effect.amount > supply) or (
            balance is not None and effect.amount > balance
        ):
            effect.unlimited = True


async def holdings(chain: Chain, token: str, holder: str) -> tuple[int | None, int | None]:
    balance_call = calldata("balanceOf(address)", ("address",), (holder,))
    try:
        balance, supply = await asyncio.gather(
            call_raw(chain, token, balance_call), call_raw(chain, token, calldata("totalSupply()"))
        )
        return word(balance, 0), word(supply, 0)
    except (ToolFailure, Web3Exception, ValueError):
        return None, None
