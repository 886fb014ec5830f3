"""A tool's answer: a dict for programs plus one friendly sentence for people."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mcp_types import CallToolResult, TextContent


@dataclass(frozen=True)
class ToolResult:
    text: str
    data: dict[str, Any]

    def to_call_result(self) -> CallToolResult:
        return CallToolResult(
            content=[TextContent(type="text", text=self.text)],
            structured_content=jsonable(self.data),
        )


def error_result(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def jsonable(value: Any) -> Any:
    """Integers beyond 2**53 become decimal strings (JSON numbers lose them); bytes become hex."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if hasattr(value, "hex") and callable(value.hex):
        text = value.hex()
        return text if text.startswith("0x") else "0x" + text
    return json.loads(json.dumps(value, default=str))
