"""A local fake of the Anthropic Messages and OpenAI chat-completions streaming APIs (aiohttp),
so the official SDKs' real code runs in the provider tests. Replies are scripted in order."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from testsupport.processes import free_port


@dataclass
class Reply:
    text: str = ""
    tool: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    delay: float = 0.0  # seconds between streamed pieces (a slow model)


@dataclass
class FakeLLM:
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    title: str = "Fake chat title"
    title_requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    runner: web.AppRunner | None = None

    @property
    def anthropic_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/messages", self.anthropic)
        app.router.add_post("/v1/chat/completions", self.openai)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _next(self, request: web.Request) -> Reply:
        self.requests.append(await request.json())
        return self.replies.pop(0) if self.replies else Reply(text="(no more scripted replies)")

    @staticmethod
    def _error(reply: Reply) -> web.Response:
        body = {"type": "error", "error": {"type": "overloaded_error", "message": "overloaded"}}
        headers = {"x-should-retry": "false"}
        return web.json_response(body, status=reply.status, headers=headers)

    async def _open(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        return response

    async def anthropic(self, request: web.Request) -> web.StreamResponse:
        if not (await request.json()).get("stream"):  # a title request, not a turn
            self.title_requests.append(await request.json())
            content = [{"type": "text", "text": self.title}]
            return web.json_response(
                {
                    "id": "msg_t",
                    "type": "message",
                    "role": "assistant",
                    "content": content,
                    "model": "fake",
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {"input_tokens": 1, "output_tokens": 1},
                }
            )
        reply = await self._next(request)
        if reply.status != 200:
            return self._error(reply)
        response = await self._open(request)
        for name, data in anthropic_events(reply):
            await response.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            await asyncio.sleep(reply.delay)
        return response

    async def openai(self, request: web.Request) -> web.StreamResponse:
        if not (await request.json()).get("stream"):  # a title request, not a turn
            self.title_requests.append(await request.json())
            message = {"role": "assistant", "content": self.title}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            return web.json_response(
                {
                    "id": "c_t",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "fake",
                    "choices": [choice],
                }
            )
        reply = await self._next(request)
        if reply.status != 200:
            return self._error(reply)
        response = await self._open(request)
        for data in openai_chunks(reply):
            await response.write(f"data: {json.dumps(data)}\n\n".encode())
            await asyncio.sleep(reply.delay)
        await response.write(b"data: [DONE]\n\n")
        return response


def _pieces(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def anthropic_events(reply: Reply) -> list[tuple[str, dict[str, Any]]]:
    usage = {"input_tokens": 1, "output_tokens": 1}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}
    message.update({"model": "fake", "stop_reason": None, "stop_sequence": None, "usage": usage})
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": message})
    ]
    index = 0
    if reply.text:
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        for piece in _pieces(reply.text):
            events.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    if reply.tool:
        block = {"type": "tool_use", "id": "toolu_01", "name": reply.tool, "input": {}}
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        for piece in _pieces(json.dumps(reply.arguments), 7):
            events.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    stop = "tool_use" if reply.tool else "end_turn"
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def openai_chunks(reply: Reply) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "fake",
            "choices": [choice],
        }

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in _pieces(reply.text)]
    if reply.tool:
        start = {
            "index": 0,
            "id": "call_fake1",
            "type": "function",
            "function": {"name": reply.tool, "arguments": ""},
        }
        chunks.append(chunk({"tool_calls": [start]}))
        for piece in _pieces(json.dumps(reply.arguments), 7):
            chunks.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    chunks.append(chunk({}, "tool_calls" if reply.tool else "stop"))
    return chunks
