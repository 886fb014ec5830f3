"""The Anthropic provider: the official SDK, streaming text and tool use, rounds of tool calls
until the model answers (capped by AGENT_MAX_TOOL_ROUNDS)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
from django.conf import settings

from chatproject.lib.dbthreads import db
from sessions_app.agent.context import TurnContext
from sessions_app.agent.errors import ProviderError, cap_message, max_rounds
from sessions_app.agent.history import Entry, load_history
from sessions_app.agent.prompt import system_prompt
from sessions_app.agent.tools import ToolSpec, available_tools

MAX_TOKENS = 2048


def anthropic_tools(specs: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "description": s.description[:1024], "input_schema": s.input_schema}
        for s in specs
    ]


def anthropic_messages(entries: list[Entry]) -> list[dict[str, Any]]:
    """History in the Messages API's own shape: tool_use blocks answered by tool_result."""
    messages: list[dict[str, Any]] = []
    for entry in entries:
        if entry.role == "user":
            _append(messages, "user", [{"type": "text", "text": entry.text or "(empty)"}])
            continue
        for tool in entry.tools:
            use = {"type": "tool_use", "id": tool.call_id, "name": tool.tool}
            _append(messages, "assistant", [{**use, "input": tool.arguments}])
            result = {"type": "tool_result", "tool_use_id": tool.call_id}
            _append(
                messages, "user", [{**result, "content": tool.result, "is_error": tool.is_error}]
            )
        if entry.text:
            _append(messages, "assistant", [{"type": "text", "text": entry.text}])
    return messages


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Consecutive messages of one role merge: the API wants them alternating."""
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": list(blocks)})


class AnthropicProvider:
    async def respond(self, ctx: TurnContext) -> None:
        if not settings.ANTHROPIC_API_KEY:
            raise ProviderError("provider_not_configured", "ANTHROPIC_API_KEY is not set.")
        tools = anthropic_tools(await available_tools(ctx.network.name))
        messages = anthropic_messages(await db(load_history)(ctx.assistant))
        client = anthropic.AsyncAnthropic(
            api_key=settings.ANTHROPIC_API_KEY, base_url=settings.ANTHROPIC_BASE_URL or None
        )
        try:
            async with client:
                await self._rounds(ctx, client, tools, messages)
        except anthropic.APIStatusError as exc:
            raise ProviderError(
                "provider_error", f"The Anthropic API answered {exc.status_code}; try again."
            ) from None
        except anthropic.APIError:
            raise ProviderError(
                "provider_error", "The Anthropic API could not be reached."
            ) from None

    async def _rounds(
        self,
        ctx: TurnContext,
        client: anthropic.AsyncAnthropic,
        tools: list[dict[str, Any]],
        messages: list[dict[str, Any]],
    ) -> None:
        for _ in range(max_rounds()):
            content = await self._stream_once(ctx, client, tools, messages)
            uses = [block for block in content if block["type"] == "tool_use"]
            if not uses:
                return
            messages.append({"role": "assistant", "content": content})
            results = []
            for use in uses:
                outcome = await ctx.call_tool(use["name"], use["input"], call_id=use["id"])
                result = {
                    "type": "tool_result",
                    "tool_use_id": use["id"],
                    "is_error": not outcome.ok,
                }
                results.append({**result, "content": outcome.for_model()})
            messages.append({"role": "user", "content": results})
        ctx.add(cap_message())  # the last words: sent with the turn's end

    async def _stream_once(
        self,
        ctx: TurnContext,
        client: anthropic.AsyncAnthropic,
        tools: list[dict[str, Any]],
        messages: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """One streamed model call; returns its content blocks (text and tool_use)."""
        await ctx.flush()  # the last tool results show while the model thinks
        stream: Any = await client.messages.create(
            model=settings.ANTHROPIC_MODEL,
            max_tokens=MAX_TOKENS,
            system=system_prompt(ctx.network, ctx.wallet),
            messages=messages,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
            stream=True,
        )
        blocks: dict[int, dict[str, Any]] = {}
        async for event in stream:
            await _apply(ctx, blocks, event)
        await ctx.flush()
        finished = [_finished(blocks[index]) for index in sorted(blocks)]
        return [block for block in finished if block["type"] != "text" or block["text"]]


async def _apply(ctx: TurnContext, blocks: dict[int, dict[str, Any]], event: Any) -> None:
    if event.type == "content_block_start":
        block = event.content_block
        if block.type == "tool_use":
            blocks[event.index] = {
                "type": "tool_use",
                "id": block.id,
                "name": block.name,
                "json": "",
            }
        elif block.type == "text":
            blocks[event.index] = {"type": "text", "text": ""}
    elif event.type == "content_block_delta" and event.index in blocks:
        delta = event.delta
        if delta.type == "text_delta":
            blocks[event.index]["text"] += delta.text
            await ctx.stream(delta.text)
        elif delta.type == "input_json_delta":
            blocks[event.index]["json"] += delta.partial_json


def _finished(block: dict[str, Any]) -> dict[str, Any]:
    if block["type"] != "tool_use":
        return block
    try:
        arguments = json.loads(block.pop("json") or "{}")
    except json.JSONDecodeError:
        arguments = {}
    return {**block, "input": arguments if isinstance(arguments, dict) else {}}
