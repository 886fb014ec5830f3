"""What every tool module shares: the input base model and the tool description record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mcp_servers.chain import Chain
from mcp_servers.results import ToolResult

ToolFunction = Callable[[Chain, Any], Awaitable[ToolResult]]

BLOCK_FIELD_DESCRIPTION = "Block: 'latest' (default), a block number, or a 0x block hash."
ADDRESS_FIELD_DESCRIPTION = (
    "A 0x address (EIP-55 checksum or all lower case), an ENS name, "
    "or on dev networks a named account (alice, bob, carol, …)."
)


class ToolInput(BaseModel):
    """Unknown arguments are refused, so a misspelt argument name is not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BlockInput(ToolInput):
    block: str | int = Field("latest", description=BLOCK_FIELD_DESCRIPTION)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    function: ToolFunction
    input_model: type[ToolInput]
    title: str
    read_only: bool = True
    destructive: bool = False
    dev_only: bool = False

    @property
    def description(self) -> str:
        return (self.function.__doc__ or self.title).strip()
