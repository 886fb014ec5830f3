"""The agent's view of tools: calls go through mcp_proxy, outcomes are plain values."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from mcp_proxy.client import ProxyError, ToolSpec, call_tool, list_tools
from sessions_app.agent.prompt import tool_description

__all__ = ["ToolOutcome", "ToolSpec", "available_tools", "run_tool"]

MODEL_RESULT_CHARS = 6000


@dataclass
class ToolOutcome:
    ok: bool
    structured: dict[str, Any] | None
    text: str
    duration_ms: int
    error_code: str = ""

    def payload(self) -> Any:
        if not self.ok:
            return {"code": self.error_code, "message": self.text}
        return self.structured if self.structured is not None else self.text

    def for_model(self) -> str:
        """The result as a model reads it: the sentence, then the data (bounded)."""
        if not self.ok:
            return f"Error ({self.error_code}): {self.text}"
        data = json.dumps(self.structured, default=str) if self.structured else ""
        return f"{self.text}\n{data}".strip()[:MODEL_RESULT_CHARS]


async def run_tool(
    network: str,
    tool: str,
    arguments: dict[str, Any],
    session: str = "",
    owner: str = "",
    address: str = "",
) -> ToolOutcome:
    """One tool call for a chat: its session, owner and client address reach the proxy, whose
    limits and cost budgets count per owner and per address."""
    try:
        result = await call_tool(network, tool, arguments, session, owner, address)
    except ProxyError as exc:
        return ToolOutcome(False, None, without_nul(exc.message), 0, exc.code)
    structured = without_nul(result.structured)
    return ToolOutcome(True, structured, without_nul(result.text), result.duration_ms)


def without_nul(value: Any) -> Any:
    """PostgreSQL text and JSON refuse NUL characters, which decoded chain data may carry."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


async def available_tools(network: str) -> list[ToolSpec]:
    """The network's tools as the model providers get them: each description carries the rule
    (act on this network only, name it, refuse what the tool can't do)."""
    specs = await list_tools(network)
    return [
        replace(spec, description=tool_description(spec.description, network)) for spec in specs
    ]
