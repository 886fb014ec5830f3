"""What a transaction does, in the user's terms: the approval card's summary and the spends
the policy judges. The typed tools (prepare_token_transfer, …) build it from their arguments;
prepare_transaction / send_transaction decode known calldata (ERC-20 transfer and approve,
NFT transfers), so raw calldata does not slip past the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import eth_abi
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from mcp_servers import policy
from mcp_servers.chain import Chain
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
    spends: list[policy.Spend] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, spend: policy.Spend, label: str) -> None:
        self.spends.append(spend)
        self.labels.append(label)

    def card(self, verdict: policy.Verdict) -> dict[str, Any]:
        """What the approval card shows (static/js/approval.js), policy verdict included."""
        return {
            "kind": self.kind,
            "action": self.action,
            **self.fields,
            "policy": verdict.as_dict(),
        }


def native_spend(chain: Chain, tx: dict[str, Any], label: str) -> policy.Spend:
    return policy.Spend("native", chain.currency, chain.currency, 18, tx["value"], tx.get("to"))


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
            return await token_transfer(chain, to, meta, recipient, int(args[1]))
        return await token_approval(chain, to, meta, recipient, int(args[1]))
    if standard in ("erc721", "erc1155") and name in ("transferFrom", "safeTransferFrom"):
        amount = int(args[3]) if standard == "erc1155" else 1
        recipient = to_checksum_address(args[1])
        return await nft_transfer(chain, to, standard, recipient, int(args[2]), amount)
    return None


async def token_transfer(
    chain: Chain, token: str, meta: dict[str, Any], recipient: str, amount: int
) -> Summary:
    decimals, symbol = int(meta["decimals"]), str(meta["symbol"])
    units = format_units(amount, decimals)
    label = await chain.label(recipient)
    summary = Summary(
        "token_transfer",
        f"Send {units} {symbol} to {label}",
        token_fields(token, meta) | {"amount": units, "recipient": recipient},
    )
    summary.add(policy.Spend("token", token, symbol, decimals, amount, recipient), label)
    return summary


async def token_approval(
    chain: Chain, token: str, meta: dict[str, Any], spender: str, amount: int
) -> Summary:
    decimals, symbol = int(meta["decimals"]), str(meta["symbol"])
    spend = policy.Spend("approval", token, symbol, decimals, amount, spender)
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
    chain: Chain, contract: str, standard: str, recipient: str, token_id: int, amount: int
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
    summary.add(policy.Spend("nft", contract, "NFT", 0, amount, recipient), label)
    return summary


def token_fields(token: str, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": token,
        "name": meta["name"],
        "symbol": meta["symbol"],
        "decimals": meta["decimals"],
    }
