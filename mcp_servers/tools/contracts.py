"""Contract calls by human signature, and calldata encoding."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mcp_servers.abi import decode_output, encode_call, parse_signature
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult, jsonable
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, BLOCK_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.txparams import MAX_DATA_HEX, parse_hex_data
from mcp_servers.units import short_address

SIGNATURE_DESCRIPTION = (
    "Function signature with optional return types, e.g. 'balanceOf(address)(uint256)' or "
    "'getReserves() returns (uint112,uint112,uint32)'."
)
ARGS_DESCRIPTION = (
    "Arguments in order, as JSON values: addresses as strings, integers as numbers or "
    "decimal/0x strings, bool, strings, bytes as 0x hex, arrays and tuples as lists."
)


class EncodeInput(ToolInput):
    signature: str = Field(description=SIGNATURE_DESCRIPTION, min_length=3, max_length=2000)
    args: list[Any] = Field(default_factory=list, description=ARGS_DESCRIPTION)


class CallContractInput(ToolInput):
    address: str = Field(description="Contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    signature: str | None = Field(None, description=SIGNATURE_DESCRIPTION, max_length=2000)
    args: list[Any] = Field(default_factory=list, description=ARGS_DESCRIPTION)
    data: str | None = Field(
        None, description="Raw calldata (0x hex) instead of a signature.", max_length=MAX_DATA_HEX
    )
    from_address: str | None = Field(None, description="Caller (msg.sender), optional.")
    block: str | int = Field("latest", description=BLOCK_FIELD_DESCRIPTION)


async def encode_function_call(chain: Chain, params: EncodeInput) -> ToolResult:
    """Encode a function call (signature + arguments) to calldata; nothing is sent."""
    signature = parse_signature(params.signature)
    calldata = await encode_call(signature, params.args, chain.resolve_address)
    data = {
        "signature": signature.canonical,
        "selector": "0x" + signature.selector.hex(),
        "data": calldata,
    }
    text = (
        f"The calldata for {signature.canonical} is {calldata} "
        f"(selector {data['selector']}, {len(calldata) // 2 - 1} bytes)."
    )
    return ToolResult(text, data)


async def call_contract(chain: Chain, params: CallContractInput) -> ToolResult:
    """Call a contract function read-only (eth_call) and decode the result by its return types."""
    if bool(params.signature) == bool(params.data):
        raise ToolFailure("Give either a function signature (with args) or raw data, not both.")
    address = await chain.resolve_address(params.address, "contract address")
    signature = parse_signature(params.signature) if params.signature else None
    if signature:
        calldata = await encode_call(signature, params.args, chain.resolve_address)
    else:
        calldata = parse_hex_data(params.data)
    tx: dict[str, Any] = {"to": address, "data": calldata}
    if params.from_address:
        tx["from"] = await chain.resolve_address(params.from_address, "caller address")
    block = await chain.block_identifier(params.block)
    w3 = await chain.ready()
    raw = bytes(await w3.eth.call(tx, block))  # type: ignore[arg-type]
    data: dict[str, Any] = {"network": chain.name, "address": address, "raw": "0x" + raw.hex()}
    label = signature.canonical if signature else "the call"
    if signature and signature.outputs is not None:
        values = jsonable(decode_output(signature.outputs, raw))
        data.update(function=signature.canonical, types=list(signature.outputs), result=values)
        shown = ", ".join(str(v) for v in values) if values else "nothing"
        text = f"{label} on {short_address(address)} ({chain.name}) returned {shown}."
    else:
        if not raw and not await w3.eth.get_code(address):
            raise ToolFailure(f"{address} has no contract code on {chain.name}.")
        text = f"{label} on {short_address(address)} ({chain.name}) returned {data['raw']}."
    return ToolResult(text, data)
