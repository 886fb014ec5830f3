"""Prometheus metrics, one registry per process, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ACTIVE_CHAT_SESSIONS = Gauge("chat_sessions_active", "Active chat sessions (read at scrape time).")
TURNS = Counter(
    "chat_turns_total", "Agent turns finished, by network and outcome.", ["network", "outcome"]
)
TURN_SECONDS = Histogram("chat_turn_seconds", "Whole-turn latency.", ["network"])
TOOL_CALLS = Counter(
    "mcp_tool_calls_total", "MCP tool calls through the proxy.", ["network", "tool", "outcome"]
)
TOOL_CALL_SECONDS = Histogram(
    "mcp_tool_call_seconds",
    "MCP tool call latency through the proxy.",
    ["network", "tool"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ERRORS = Counter("chat_errors_total", "Errors shown to users, by code.", ["code"])
OPEN_WEBSOCKETS = Gauge("chat_websockets_open", "Open chat websockets in this process.")
