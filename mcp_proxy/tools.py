"""Tool specs of each network, cached on the proxy loop, and local checks of call arguments."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from chatproject.lib.networks import Network
from mcp_proxy.errors import ProxyError
from mcp_proxy.pool import Pool

# An unknown tool name refreshes the list at most this often (a renamed tool appears quickly,
# a client spamming bad names costs the server nothing).
UNKNOWN_TOOL_REFRESH_SECONDS = 5.0
MAX_PAGES = 20


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool
    destructive: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
            "read_only": self.read_only,
            "destructive": self.destructive,
        }


@dataclass
class _Entry:
    specs: dict[str, ToolSpec]
    validators: dict[str, Validator | None]
    fetched_at: float = field(default_factory=time.monotonic)

    def age(self) -> float:
        return time.monotonic() - self.fetched_at


class Catalog:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._entries: dict[tuple[str, tuple[str, ...]], _Entry] = {}
        # One tools/list per network at a time: the first turns after a start would otherwise
        # each fetch and parse the whole list (50 at once in bench_turns.py).
        self._fetching: dict[tuple[str, tuple[str, ...]], asyncio.Future[_Entry]] = {}

    def knows(self, network: str, tool: object) -> bool:
        return any(key[0] == network and tool in e.specs for key, e in self._entries.items())

    async def tools(self, network: Network, deadline: float) -> dict[str, ToolSpec]:
        entry = self._entries.get(_key(network))
        if entry is None or entry.age() > settings.MCP_TOOLS_TTL:
            entry = await self._refresh(network, deadline)
        return entry.specs

    async def spec(self, network: Network, tool: str, deadline: float) -> ToolSpec:
        specs = await self.tools(network, deadline)
        entry = self._entries[_key(network)]
        if tool not in specs and entry.age() > UNKNOWN_TOOL_REFRESH_SECONDS:
            specs = (await self._refresh(network, deadline)).specs
        if tool not in specs:
            names = ", ".join(sorted(specs))
            message = f"The {network.name} server has no tool {tool!r}. Its tools: {names}."
            raise ProxyError("unknown_tool", message, tools=sorted(specs))
        return specs[tool]

    def validate(self, network: Network, spec: ToolSpec, params: dict[str, Any]) -> None:
        """Refuse arguments that break the tool's input schema before the server sees them."""
        validators = self._entries[_key(network)].validators
        if spec.name not in validators:
            # Checked on first use: checking a schema costs ~10 ms, and a server lists dozens.
            validators[spec.name] = _validator(spec)
        validator = validators[spec.name]
        if validator is None:
            return
        error = next(iter(validator.iter_errors(params)), None)
        if error is not None:
            where = ".".join(str(part) for part in error.absolute_path)
            detail = f"{where}: {error.message}" if where else error.message
            raise ProxyError("invalid_params", f"Invalid params for {spec.name}: {detail}")

    async def _refresh(self, network: Network, deadline: float) -> _Entry:
        key = _key(network)
        fetching = self._fetching.get(key)
        if fetching is None:
            fetching = asyncio.ensure_future(self._fetch(network, deadline))
            self._fetching[key] = fetching
            fetching.add_done_callback(lambda done: self._fetched(key, done))
        return await asyncio.shield(fetching)

    def _fetched(self, key: tuple[str, tuple[str, ...]], done: asyncio.Future[_Entry]) -> None:
        del self._fetching[key]
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have gone (a cancelled turn)

    async def _fetch(self, network: Network, deadline: float) -> _Entry:
        specs: dict[str, ToolSpec] = {}
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params = {"cursor": cursor} if cursor else {}
            page = await self._pool.request(network, "tools/list", params, deadline, retry=True)
            for raw in page.get("tools") or []:
                if isinstance(raw, dict) and isinstance(raw.get("name"), str):
                    spec = spec_from_wire(raw)
                    specs[spec.name] = spec
            cursor = page.get("nextCursor")
            if not cursor:
                break
        entry = _Entry(specs, {})
        self._entries[_key(network)] = entry
        return entry


def spec_from_wire(raw: dict[str, Any]) -> ToolSpec:
    annotations = raw.get("annotations") or {}
    read_only = bool(annotations.get("readOnlyHint", False))
    return ToolSpec(
        name=str(raw["name"]),
        description=str(raw.get("description") or ""),
        input_schema=raw.get("inputSchema") or {"type": "object"},
        read_only=read_only,
        # MCP's default: a tool that is not read-only may be destructive unless it says otherwise.
        destructive=not read_only and bool(annotations.get("destructiveHint", True)),
    )


def _validator(spec: ToolSpec) -> Validator | None:
    try:
        cls = validator_for(spec.input_schema, default=Draft202012Validator)
        cls.check_schema(spec.input_schema)
    except SchemaError:
        return None  # the server will judge the arguments itself
    return cls(spec.input_schema)


def _key(network: Network) -> tuple[str, tuple[str, ...]]:
    return (network.name, network.mcp_urls)
