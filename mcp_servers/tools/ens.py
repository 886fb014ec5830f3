"""ENS: names to addresses and back, wherever the ENS registry is deployed."""

from __future__ import annotations

from pydantic import Field

from mcp_servers.chain import Chain, checked_address
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools.base import ToolInput


class EnsNameInput(ToolInput):
    name: str = Field(description="An ENS name, e.g. 'vitalik.eth'.", min_length=3, max_length=255)


class EnsAddressInput(ToolInput):
    address: str = Field(description="A 0x address to find the primary ENS name of.")


async def resolve_ens(chain: Chain, params: EnsNameInput) -> ToolResult:
    """Resolve an ENS name to its address."""
    if "." not in params.name:
        raise ToolFailure("That is not an ENS name (expected something like name.eth).")
    address = await chain.ens_address(params.name)
    return ToolResult(
        f"{params.name} resolves to {address} on {chain.name}.",
        {"network": chain.name, "name": params.name, "address": address},
    )


async def lookup_ens(chain: Chain, params: EnsAddressInput) -> ToolResult:
    """The primary ENS name of an address (reverse record), if it has one."""
    address = checked_address(params.address) if params.address.startswith("0x") else None
    if address is None or len(params.address) != 42:
        raise ToolFailure("The address must be 0x followed by 40 hex characters.")
    await chain.require_ens()
    name = await chain.w3.ens.name(address)  # type: ignore[union-attr]
    if not name:
        return ToolResult(
            f"{address} has no primary ENS name on {chain.name}.",
            {"network": chain.name, "address": address, "name": None},
        )
    return ToolResult(
        f"{address} is {name} on {chain.name}.",
        {"network": chain.name, "address": address, "name": name},
    )
