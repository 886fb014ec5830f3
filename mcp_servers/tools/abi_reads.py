"""Contract reads by function name: the ABI is given, or fetched from the explorer (the one
get_contract_abi uses, cached per process), so no one has to type a signature."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from pydantic import Field

from mcp_servers.abi import FunctionSignature, decode_output, encode_call
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult, jsonable
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, BLOCK_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.contracts import ARGS_DESCRIPTION
from mcp_servers.tools.etherscan import fetch_abi
from mcp_servers.tools.standards import call_raw
from mcp_servers.units import short_address

ABI_DESCRIPTION = (
    "The contract's ABI (a JSON list); leave it out to use the verified ABI from the explorer."
)


class ReadContractInput(ToolInput):
    address: str = Field(description="Contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    function: str = Field(
        description="Function name, e.g. 'balanceOf' (or a full signature to pick an overload).",
        min_length=1,
        max_length=200,
    )
    args: list[Any] = Field(default_factory=list, description=ARGS_DESCRIPTION)
    abi: list[dict[str, Any]] | None = Field(None, description=ABI_DESCRIPTION)
    block: str | int = Field("latest", description=BLOCK_FIELD_DESCRIPTION)


def abi_type(param: dict[str, Any]) -> str:
    """An ABI parameter's canonical type: tuples spelled out, array suffixes kept."""
    kind = str(param.get("type", ""))
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def signature_of(entry: dict[str, Any]) -> FunctionSignature:
    return FunctionSignature(
        str(entry["name"]),
        tuple(abi_type(p) for p in entry.get("inputs", [])),
        tuple(abi_type(p) for p in entry.get("outputs", [])),
    )


async def abi_for(
    chain: Chain, address: str, given: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    if given is not None:
        return given
    key = settings.ETHERSCAN_API_KEY
    if not key:
        raise ToolFailure(
            "No ABI was given and verified ABIs are not configured on this server; pass the "
            "contract's ABI (abi), or use call_contract with a signature."
        )
    cache_key = f"abi:{chain.network.chain_id}:{address}"
    if cache_key not in chain.cache:
        chain.cache[cache_key] = await fetch_abi(chain, address, key)
    return list(chain.cache[cache_key])


def pick_function(abi: list[dict[str, Any]], wanted: str, arg_count: int) -> dict[str, Any]:
    functions = [
        e for e in abi if isinstance(e, dict) and e.get("type") == "function" and "name" in e
    ]
    if "(" in wanted:
        matches = [e for e in functions if signature_of(e).canonical == wanted.replace(" ", "")]
    else:
        matches = [e for e in functions if e["name"] == wanted]
    if not matches:
        names = sorted({str(e["name"]) for e in functions})
        raise ToolFailure(
            f"The ABI has no such function; it has: {', '.join(names[:40]) or 'none'}."
        )
    if len(matches) > 1:
        matches = [e for e in matches if len(e.get("inputs", [])) == arg_count] or matches
    if len(matches) > 1:
        shown = ", ".join(signature_of(e).canonical for e in matches)
        raise ToolFailure(
            f"That function is overloaded ({shown}); give the full signature as function."
        )
    return matches[0]


async def read_contract(chain: Chain, params: ReadContractInput) -> ToolResult:
    """Call a contract function read-only by its name; the ABI is given or fetched from the
    explorer, and the result is decoded with the output names."""
    address = await chain.resolve_address(params.address, "contract address")
    abi = await abi_for(chain, address, params.abi)
    entry = pick_function(abi, params.function.strip(), len(params.args))
    signature = signature_of(entry)
    data = await encode_call(signature, params.args, chain.resolve_address)
    block = await chain.block_identifier(params.block)
    raw = await call_raw(chain, address, data, block)
    if not raw and not await (await chain.ready()).eth.get_code(address):
        raise ToolFailure(f"{address} has no contract code on {chain.name}.")
    values = jsonable(decode_output(signature.outputs or (), raw))
    names = [str(p.get("name") or f"output{i}") for i, p in enumerate(entry.get("outputs", []))]
    result = {
        "network": chain.name,
        "address": address,
        "function": signature.canonical,
        "result": values,
        "named": dict(zip(names, values, strict=False)),
        "mutability": entry.get("stateMutability", ""),
    }
    shown = ", ".join(
        f"{n} = {v}" if not n.startswith("output") else str(v) for n, v in result["named"].items()
    )
    where = f"{short_address(address)} ({chain.name})"
    return ToolResult(f"{signature.canonical} on {where} returned {shown or 'nothing'}.", result)
