"""What a provider may do during a turn: speak, call tools, hand a transaction to the wallet.

Each of these commits to the database first and streams the event after, so that a reload or
a restarted backend shows everything that was shown.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from chatproject.dbthreads import db
from chatproject.networks import Network
from sessions_app import events
from sessions_app.agent.tools import ToolOutcome, run_tool
from sessions_app.broadcast import publish
from sessions_app.models import ChatSession, Message, ToolCall

STREAM_FLUSH_SECONDS = 0.08
SIGN_TOOLS = ("sign_message", "sign_typed_data")


def is_wallet_tool(tool: str) -> bool:
    """Tools whose result the user's wallet must sign on non-dev networks: every prepare_*
    (prepare_transaction, prepare_token_transfer, …) and the message signing tools."""
    return tool.startswith("prepare_") or tool in SIGN_TOOLS


@dataclass
class TurnContext:
    chat_session: ChatSession
    network: Network
    trigger: Message
    assistant: Message
    wallet: str | None = None
    text: str = ""
    _unsent: str = ""  # said, not yet saved and streamed
    _last_flush: float = field(default_factory=time.monotonic)

    @property
    def session_id(self) -> int:
        return self.chat_session.pk

    async def say(self, text: str) -> None:
        """Append ``text`` to the answer: saved, then streamed as one assistant.delta (with
        whatever was added before it)."""
        self.add(text)
        await self.flush()

    def add(self, text: str) -> None:
        """Append ``text`` to the answer, to be saved and streamed with the next tool call or
        the turn's end (then with ``turn.complete``): a database write and an event fewer
        than say(), for words written right before one of those (the builtin agent's), never
        before a slow wait."""
        self.text += text
        self._unsent += text

    async def stream(self, chunk: str) -> None:
        """For token streams: batch small chunks so the database sees a few writes a second."""
        self.add(chunk)
        if time.monotonic() - self._last_flush >= STREAM_FLUSH_SECONDS:
            await self.flush()

    async def flush(self) -> None:
        """Save and stream what was said since the last flush."""
        delta = self.take_unsent()
        if delta is not None:
            await _save_content(self.assistant.pk, self.text)
            await publish(self.session_id, delta)

    def take_unsent(self) -> dict[str, Any] | None:
        """The ``assistant.delta`` of what was said since the last flush, for the caller to
        save (``text``) and stream; None when nothing was."""
        unsent, self._unsent = self._unsent, ""
        self._last_flush = time.monotonic()
        return events.assistant_delta(self.assistant.pk, unsent) if unsent else None

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], call_id: str = ""
    ) -> ToolOutcome:
        """Record the call (with the text said before it), stream both, run it through
        mcp_proxy, record and stream the result."""
        call_id = call_id[:64] or f"call_{secrets.token_hex(8)}"
        delta = self.take_unsent()
        text = self.text if delta is not None else None
        row = await _create_tool_call(self, call_id, tool, arguments, text)
        call = events.tool_call(call_id, tool, self.network.name, arguments)
        await publish(self.session_id, *([delta] if delta else []), call)
        started = time.perf_counter()
        try:
            outcome = await run_tool(
                self.network.name, tool, arguments, self.chat_session.public_id
            )
        except asyncio.CancelledError:
            elapsed = int((time.perf_counter() - started) * 1000)
            stopped = ToolOutcome(False, None, "Interrupted before the tool answered.", elapsed)
            stopped.error_code = "interrupted"
            await self._finish_call(row, stopped)
            raise
        outcome.duration_ms = outcome.duration_ms or int((time.perf_counter() - started) * 1000)
        request = None
        if outcome.ok and is_wallet_tool(tool) and not self.network.dev:
            request = await self._hand_to_wallet(outcome)
        await self._finish_call(row, outcome)
        if request is not None:
            event = events.wallet_request(
                request["request_id"],
                request["tx"],
                request["description"],
                summary=request.get("summary"),
                sign=request.get("sign"),
            )
            await publish(self.session_id, event)
        return outcome

    async def _finish_call(self, row: ToolCall, outcome: ToolOutcome) -> None:
        # Counted (with its latency) once, by mcp_proxy.client, like every proxied call.
        await _save_tool_result(row, outcome)
        event = events.tool_result(
            row.call_id, outcome.ok, outcome.payload(), outcome.duration_ms, outcome.text
        )
        await publish(self.session_id, event)

    async def _hand_to_wallet(self, outcome: ToolOutcome) -> dict[str, Any] | None:
        """A prepared transaction on a non-dev network becomes the session's wallet request."""
        structured = outcome.structured or {}
        tx = structured.get("transaction")
        sign = structured.get("signature_request")
        if not isinstance(tx, dict) and not isinstance(sign, dict):
            return None
        request = {
            "request_id": f"wr_{secrets.token_hex(8)}",
            "tx": tx if isinstance(tx, dict) else None,
            "description": outcome.text,
            "network": self.network.name,
            "created_at": timezone.now().isoformat(),
        }
        # Additive (issue 16): what the card decodes, and a message/typed-data signature request.
        if isinstance(structured.get("summary"), dict):
            request["summary"] = structured["summary"]
        if isinstance(sign, dict):
            request["sign"] = sign
        await _save_pending_request(self.session_id, request)
        outcome.text = (
            # Read by people too (the builtin agent repeats it): no request id, and the same
            # words as the approval card.
            f"{outcome.text} Approve or reject it on the card below; the outcome arrives as "
            "a new message."
        )
        return request


@db
def _save_content(message_id: int, text: str) -> None:
    Message.objects.filter(pk=message_id).update(content=text)


@db
def _create_tool_call(
    ctx: TurnContext, call_id: str, tool: str, arguments: dict[str, Any], text: str | None
) -> ToolCall:
    """The call's row; with ``text``, the answer said so far is saved in the same hop."""
    if text is not None:
        Message.objects.filter(pk=ctx.assistant.pk).update(content=text)
    return ToolCall.objects.create(
        chat_session_id=ctx.session_id,
        message_id=ctx.assistant.pk,
        call_id=call_id,
        network=ctx.network.name,
        tool=tool,
        arguments=arguments,
    )


@db
def _save_tool_result(row: ToolCall, outcome: ToolOutcome) -> None:
    result = {"ok": outcome.ok, "text": outcome.text, "data": outcome.payload()}
    ToolCall.objects.filter(pk=row.pk).update(
        result=result, is_error=not outcome.ok, duration_ms=outcome.duration_ms
    )


@db
def _save_pending_request(chat_session_id: int, request: dict[str, Any]) -> None:
    ChatSession.objects.filter(pk=chat_session_id, status=ChatSession.Status.ACTIVE).update(
        pending_wallet_request=request
    )
