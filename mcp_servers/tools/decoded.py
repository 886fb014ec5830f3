"""What a transaction says it does: the approval card's headline and the effects it intends.

The typed tools (prepare_token_transfer, …) build it from their arguments; prepare_transaction
and send_transaction decode well-known calldata (ERC-20 transfer and approve, NFT transfers).
What the card shows and the policy judges is what the simulation finds (effects.py); the
intended effects only say which of those the request announced, and stand in for them when a
write could not be simulated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from mcp_servers import effects as fx
from mcp_servers.chain import Chain
from mcp_servers.effects import Effect
from mcp_servers.errors import ToolFailure
from mcp_servers.tools import standards
from mcp_servers.tools.tokens import token_metadata
from mcp_servers.units import format_units

SELECTORS = {
    "a9059cbb": ("transfer", ("address", "uint256")),
    "095ea7b3": ("approve", ("address", "uint256")),
    "23b872dd": ("transferFrom", ("address", "address", "uint256")),
    "42842e0e": ("safeTransferFrom", ("address", "address", "uint256")),
    "b88d4fde": ("safeTransferFrom", ("address", "address", "uint256", "bytes")),
    "f242432a": ("safeTransferFrom", ("address", "address", "uint256", "uint256", "bytes")),
}


@dataclass
class Summary:
    kind: str  # native_transfer, token_transfer, token_approval, nft_transfer, contract_call, …
    action: str  # one line: "Send 1.5 TT to bob (0x7099…79C8)"
    fields: dict[str, Any] = field(default_factory=dict)
    intended: list[Effect] = field(default_factory=list)  # what the signer gives, as requested

    def add(self, effect: Effect, label: str) -> None:
        effect.you, effect.counterparty_label = True, label
        self.intended.append(effect)


def native_spend(chain: Chain, tx: dict[str, Any], label: str) -> Effect:
    return Effect(fx.TRANSFER, fx.NATIVE, tx["from"], fx.NATIVE, chain.currency, 18,
                  -tx["value"], tx.get("to"))  # fmt: skip


async def summarize(chain: Chain, tx: dict[str, Any]) -> Summary:
    """The summary of a raw transaction: its native value plus any calldata we recognise."""
    to = tx.get("to")
    if not to:
        return Summary("deployment", "Deploy a new contract", {"value": format_units(tx["value"])})
    label = await chain.label(to)
    summary = await decode_call(chain, to, tx["from"], bytes.fromhex(tx["data"][2:]))
    if summary is None:
        kind = "native_transfer" if tx["data"] == "0x" else "contract_call"
        verb = "Send" if kind == "native_transfer" else f"Call {label} sending"
        summary = Summary(
            kind,
            f"{verb} {format_units(tx['value'])} {chain.currency}"
            + (f" to {label}" if kind == "native_transfer" else ""),
            {"recipient": to, "amount": format_units(tx["value"]), "symbol": chain.currency},
        )
    if tx["value"]:
        summary.add(native_spend(chain, tx, label), label)
    return summary


async def decode_call(chain: Chain, to: str, sender: str, data: bytes) -> Summary | None:
    known = SELECTORS.get(data[:4].hex())
    if known is None:
        return None
    name, types = known
    try:
        args = list(eth_abi.decode(list(types), data[4:]))
    except (DecodingError, ValueError, OverflowError):
        return None
    try:
        standard = await standards.detect(chain, to)
    except ToolFailure:
        return None
    if standard == "erc20" and name in ("transfer", "approve"):
        meta = await token_metadata(chain, to)  # type: ignore[arg-type]
        recipient = to_checksum_address(args[0])
        if name == "transfer":
            return await token_transfer(chain, to, meta, sender, recipient, int(args[1]))
        return await token_approval(chain, to, meta, sender, recipient, int(args[1]))
    if standard in ("erc721", "erc1155") and name in ("transferFrom", "safeTransferFrom"):
        amount = int(args[3]) if standard == "erc1155" else 1
        recipient = to_checksum_address(args[1])
        source = to_checksum_address(args[0])
        return await nft_transfer(chain, to, standard, source, recipient, int(args[2]), amount)
    return None


async def token_transfer(
    chain: Chain, token: str, meta: dict[str, Any], sender: str, recipient: str, amount: int
) -> Summary:
    decimals, symbol = int(meta["decimals"]), str(meta["symbol"])
    units = format_units(amount, decimals)
    label = await chain.label(recipient)
    summary = Summary(
        "token_transfer",
        f"Send {units} {symbol} to {label}",
        token_fields(token, meta) | {"amount": units, "recipient": recipient},
    )
    spend = Effect(fx.TRANSFER, "erc20", sender, token, symbol, decimals, -amount, recipient)
    summary.add(spend, label)
    return summary


async def token_approval(
    chain: Chain, token: str, meta: dict[str, Any], owner: str, spender: str, amount: int
) -> Summary:
    decimals, symbol = int(meta["decimals"]), str(meta["symbol"])
    unlimited = amount >= fx.UNLIMITED_THRESHOLD
    spend = Effect(fx.APPROVAL, "erc20", owner, token, symbol, decimals, amount, spender,
                   unlimited=unlimited)  # fmt: skip
    units = "unlimited" if spend.unlimited else format_units(amount, decimals)
    label = await chain.label(spender)
    action = (
        f"Allow {label} to spend every {symbol} of this account (unlimited)"
        if spend.unlimited
        else f"Allow {label} to spend up to {units} {symbol}"
    )
    fields = token_fields(token, meta) | {
        "amount": units,
        "spender": spender,
        "unlimited": spend.unlimited,
    }
    summary = Summary("token_approval", action, fields)
    summary.add(spend, label)
    return summary


async def nft_transfer(
    chain: Chain,
    contract: str,
    standard: str,
    sender: str,
    recipient: str,
    token_id: int,
    amount: int,
) -> Summary:
    label = await chain.label(recipient)
    what = f"token #{token_id}" if standard == "erc721" else f"{amount} of token #{token_id}"
    fields = {
        "token": contract,
        "standard": standard,
        "token_id": str(token_id),
        "amount": str(amount),
        "recipient": recipient,
    }
    summary = Summary("nft_transfer", f"Send {what} of {contract} to {label}", fields)
    spend = Effect(fx.TRANSFER, standard, sender, contract, "NFT", 0, -amount, recipient, token_id)
    summary.add(spend, label)
    return summary


def token_fields(token: str, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": token,
        "name": meta["name"],
        "symbol": meta["symbol"],
        "decimals": meta["decimals"],
    }
