"""Inputs shared by the tools that describe a transaction: from, to, value, data."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.units import parse_units

HEX_DATA_RE = re.compile(r"^0x([0-9a-fA-F]{2})*$")
# Calldata beyond what any block takes (a transaction is at most 128 KiB on the big clients):
# refused before it is parsed, simulated or sent anywhere.
MAX_DATA_HEX = 2 + 2 * 128 * 1024


class TransactionInput(ToolInput):
    to: str | None = Field(
        None, description="Recipient or contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    value: str | None = Field(
        None, description='Amount of the native currency in ether units, e.g. "1.5".'
    )
    value_wei: str | int | None = Field(
        None, description="Amount in wei (base units), instead of value."
    )
    data: str | None = Field(
        None, description="Calldata as 0x-prefixed hex.", max_length=MAX_DATA_HEX
    )


def parse_hex_data(data: str | None, what: str = "data") -> str:
    text = (data or "0x").strip()
    if not text.startswith("0x"):
        text = "0x" + text
    if not HEX_DATA_RE.match(text):
        # Never echo the input: it may be huge, or something not meant to be repeated.
        raise ToolFailure(
            f"The {what} must be 0x followed by an even number of hex characters; the "
            f"{len(text) - 2} characters given are not."
        )
    return text.lower()


def parse_value_wei(params: TransactionInput) -> int:
    if params.value is not None and params.value_wei is not None:
        raise ToolFailure("Give either value (in ether) or value_wei, not both.")
    if params.value_wei is not None:
        return parse_units(str(params.value_wei), 0, "value_wei")
    if params.value is not None:
        return parse_units(params.value, 18, "value")
    return 0


async def build_transaction(
    chain: Chain, params: TransactionInput, sender: str | None
) -> dict[str, Any]:
    """The eth_call / eth_estimateGas parameters, with every address resolved."""
    tx: dict[str, Any] = {"value": parse_value_wei(params), "data": parse_hex_data(params.data)}
    if sender:
        tx["from"] = await chain.resolve_address(sender, "sender address")
    if params.to:
        tx["to"] = await chain.resolve_address(params.to, "recipient address")
    elif tx["data"] == "0x":
        raise ToolFailure("Give a recipient (to), or data to deploy a contract.")
    return tx
