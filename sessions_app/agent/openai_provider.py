"""The OpenAI provider: the official SDK against OPENAI_BASE_URL (so any OpenAI-compatible
server works, local ones included), streaming text and tool calls."""

from __future__ import annotations

import json
from typing import Any

import openai
from django.conf import settings

from chatproject.lib.dbthreads import db
from sessions_app.agent.context import TurnContext
from sessions_app.agent.errors import ProviderError, cap_message, max_rounds
from sessions_app.agent.history import Entry, load_history
from sessions_app.agent.prompt import system_prompt
from sessions_app.agent.tools import ToolSpec, available_tools


def openai_tools(specs: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": spec.name,
                "description": spec.description[:1024],
                "parameters": spec.input_schema,
            },
        }
        for spec in specs
    ]


def openai_messages(system: str, entries: list[Entry]) -> list[dict[str, Any]]:
    """History in the chat-completions shape: assistant tool_calls answered by tool messages."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for entry in entries:
        if entry.role == "user":
            messages.append({"role": "user", "content": entry.text})
            continue
        if entry.tools:
            calls = [_tool_call(t.call_id, t.tool, t.arguments) for t in entry.tools]
            messages.append({"role": "assistant", "content": None, "tool_calls": calls})
            for tool in entry.tools:
                messages.append(
                    {"role": "tool", "tool_call_id": tool.call_id, "content": tool.result}
                )
        if entry.text:
            messages.append({"role": "assistant", "content": entry.text})
    return messages


def _tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {"id": call_id, "type": "function", "function": function}


class OpenAIProvider:
    async def respond(self, ctx: TurnContext) -> None:
        if not settings.OPENAI_API_KEY and not settings.OPENAI_BASE_URL:
            raise ProviderError("provider_not_configured", "OPENAI_API_KEY is not set.")
        tools = openai_tools(await available_tools(ctx.network.name))
        entries = await db(load_history)(ctx.assistant)
        messages = openai_messages(system_prompt(ctx.network, ctx.wallet), entries)
        client = openai.AsyncOpenAI(
            api_key=settings.OPENAI_API_KEY or "not-needed",
            base_url=settings.OPENAI_BASE_URL or None,
        )
        try:
            async with client:
                await self._rounds(ctx, client, tools, messages)
        except openai.APIStatusError as exc:
            raise ProviderError(
                "provider_error",
                f"The OpenAI-compatible API answered {exc.status_code}; try again.",
            ) from None
        except openai.APIError:
            raise ProviderError(
                "provider_error", "The OpenAI-compatible API could not be reached."
            ) from None

    async def _rounds(
        self,
        ctx: TurnContext,
        client: openai.AsyncOpenAI,
        tools: list[dict[str, Any]],
        messages: list[dict[str, Any]],
    ) -> None:
        for _ in range(max_rounds()):
            text, calls = await self._stream_once(ctx, client, tools, messages)
            if not calls:
                return
            wire_calls = [_tool_call(c["id"], c["name"], c["arguments"]) for c in calls]
            messages.append(
                {"role": "assistant", "content": text or None, "tool_calls": wire_calls}
            )
            for call in calls:
                outcome = await ctx.call_tool(call["name"], call["arguments"], call_id=call["id"])
                messages.append(
                    {"role": "tool", "tool_call_id": call["id"], "content": outcome.for_model()}
                )
        ctx.add(cap_message())  # the last words: sent with the turn's end

    async def _stream_once(
        self,
        ctx: TurnContext,
        client: openai.AsyncOpenAI,
        tools: list[dict[str, Any]],
        messages: list[dict[str, Any]],
    ) -> tuple[str, list[dict[str, Any]]]:
        await ctx.flush()  # the last tool results show while the model thinks
        stream: Any = await client.chat.completions.create(
            model=settings.OPENAI_MODEL,
            messages=messages,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
            stream=True,
        )
        text = ""
        partial: dict[int, dict[str, Any]] = {}
        async for chunk in stream:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.content:
                text += delta.content
                await ctx.stream(delta.content)
            for call in delta.tool_calls or []:
                _merge_call(partial, call)
        await ctx.flush()
        return text, [_finished(partial[index]) for index in sorted(partial)]


def _merge_call(partial: dict[int, dict[str, Any]], call: Any) -> None:
    entry = partial.setdefault(call.index, {"id": "", "name": "", "json": ""})
    if call.id:
        entry["id"] = call.id
    if call.function is not None:
        entry["name"] += call.function.name or ""
        entry["json"] += call.function.arguments or ""


def _finished(entry: dict[str, Any]) -> dict[str, Any]:
    try:
        arguments = json.loads(entry["json"] or "{}")
    except json.JSONDecodeError:
        arguments = {}
    call_id = entry["id"] or f"call_{abs(hash(entry['json'])) % 10**12}"
    return {
        "id": call_id,
        "name": entry["name"],
        "arguments": arguments if isinstance(arguments, dict) else {},
    }
