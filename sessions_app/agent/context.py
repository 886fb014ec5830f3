"""What a provider may do during a turn: speak, call tools, hand a transaction to the wallet.

Each of these commits to the database first and streams the event after, so that a reload or
a restarted backend shows everything that was shown. What is written right before the next
step (words before a tool call, a tool's result before the provider's next move) waits for
that step and goes with it: one database call and one event message instead of one each.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from chatproject.lib.dbthreads import db
from chatproject.lib.networks import Network
from sessions_app import events
from sessions_app.agent import confirmations
from sessions_app.agent.tools import ToolOutcome, run_tool
from sessions_app.broadcast import publish
from sessions_app.models import ChatSession, Message, Statement, ToolCall, WalletRequest, together

STREAM_FLUSH_SECONDS = 0.08
SIGN_TOOLS = ("sign_message", "sign_typed_data")


def is_wallet_tool(tool: str) -> bool:
    """Tools whose result the user's wallet must sign on non-dev networks: every prepare_*
    (prepare_transaction, prepare_token_transfer, …) and the message signing tools."""
    return tool.startswith("prepare_") or tool in SIGN_TOOLS


@dataclass
class Unsent:
    """Written during the turn, not yet saved and streamed: the answer's text when it grew,
    finished tool calls, and their events in order."""

    answer_id: int
    text: str | None = None
    results: list[tuple[int, ToolOutcome]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def statements(self) -> list[Statement]:
        """What saves the answer's text and the tool calls' results (models.together)."""
        statements = [] if self.text is None else [Message.text_update(self.answer_id, self.text)]
        for row_id, outcome in self.results:
            result = {"ok": outcome.ok, "text": outcome.text, "data": outcome.payload()}
            statements.append(
                ToolCall.result_update(row_id, result, not outcome.ok, outcome.duration_ms)
            )
        return statements

    def save(self) -> None:
        """In a database thread: the answer's text and the tool calls' results."""
        together(self.statements())


@dataclass
class TurnContext:
    chat_session: ChatSession
    network: Network
    trigger: Message
    assistant: Message
    wallet: str | None = None
    text: str = ""
    _said: str = ""  # added to text since the last flush
    _results: list[tuple[ToolCall, ToolOutcome]] = field(default_factory=list)
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
        the turn's end (then with ``turn.complete``): for words written right before one of
        those (the builtin agent's), never before a slow wait."""
        self.text += text
        self._said += text

    async def stream(self, chunk: str) -> None:
        """For token streams: batch small chunks so the database sees a few writes a second."""
        self.add(chunk)
        if time.monotonic() - self._last_flush >= STREAM_FLUSH_SECONDS:
            await self.flush()

    async def flush(self, *then: dict[str, Any]) -> None:
        """Save and stream what waits (words, tool results), then the events ``then``. A
        provider calls it before waiting for its model, so that the page shows the results of
        the last tool calls meanwhile."""
        unsent = self.take_unsent()
        if unsent.text is not None or unsent.results:
            await db(unsent.save)()
        if unsent.events or then:
            await publish(self.session_id, *unsent.events, *then)

    def take_unsent(self) -> Unsent:
        """What waits to be saved and streamed, now the caller's to send."""
        unsent = Unsent(self.assistant.pk)
        for row, outcome in self._results:
            unsent.results.append((row.pk, outcome))
            unsent.events.append(
                events.tool_result(
                    row.call_id, outcome.ok, outcome.payload(), outcome.duration_ms, outcome.text
                )
            )
        if self._said:
            unsent.text = self.text
            unsent.events.append(events.assistant_delta(self.assistant.pk, self._said))
        self._said, self._results = "", []
        self._last_flush = time.monotonic()
        return unsent

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], call_id: str = ""
    ) -> ToolOutcome:
        """Record the call (with what waits), stream it, run it through mcp_proxy; its result
        waits for the next step (a wallet request goes out at once)."""
        call_id = call_id[:64] or f"call_{secrets.token_hex(8)}"
        unsent = self.take_unsent()
        row = await _create_tool_call(self, call_id, tool, arguments, unsent)
        call = events.tool_call(call_id, tool, self.network.name, arguments)
        await publish(self.session_id, *unsent.events, call)
        if await confirmations.needs_confirmation(self.chat_session, tool, self.network.dev):
            return await self._ask_first(row)
        started = time.perf_counter()
        try:
            chat = self.chat_session
            outcome = await run_tool(
                self.network.name, tool, arguments, chat.public_id, chat.owner_ref, chat.address_key
            )
        except asyncio.CancelledError:
            elapsed = int((time.perf_counter() - started) * 1000)
            stopped = ToolOutcome(False, None, "Interrupted before the tool answered.", elapsed)
            stopped.error_code = "interrupted"
            self._results.append((row, stopped))  # the turn's end saves and streams it
            raise
        # Counted (with its latency) once, by mcp_proxy.client, like every proxied call.
        outcome.duration_ms = outcome.duration_ms or int((time.perf_counter() - started) * 1000)
        self._results.append((row, outcome))
        if outcome.ok and is_wallet_tool(tool) and not self.network.dev:
            request = await _open_wallet_request(self.session_id, row, outcome)
            if request is not None:
                # Read by people too (the builtin agent repeats it): no request id, the same
                # words as the approval card, and one instruction: the card's button is what
                # opens the wallet.
                signing, steps = request.signature_request is not None, len(request.calls or ())
                outcome.text += wallet_instruction(signing, steps)
                await self.flush(events.wallet_request(request.card()))
        return outcome

    async def _ask_first(self, row: ToolCall) -> ToolOutcome:
        """The call waits for the person's Confirm on the card (agent/confirmations.py)."""
        request = await confirmations.open_confirmation(self.session_id, row)
        outcome = confirmations.waiting(request)
        self._results.append((row, outcome))
        await self.flush(*([events.wallet_request(request.card())] if request else []))
        return outcome


@db
def _create_tool_call(
    ctx: TurnContext, call_id: str, tool: str, arguments: dict[str, Any], unsent: Unsent
) -> ToolCall:
    """The call's row, after saving what waited for it (one round trip)."""
    network, saved = ctx.network.name, unsent.statements()
    return ToolCall.begin(ctx.assistant, call_id, network, tool, arguments, before=saved)


@db
def _open_wallet_request(
    chat_session_id: int, row: ToolCall, outcome: ToolOutcome
) -> WalletRequest | None:
    """A prepared transaction (or several: ``calls``, a swap's approval then the swap) or a
    signature on a real network becomes the session's wallet request; None for a result that
    holds none of them, or a session that ended."""
    structured = outcome.structured or {}
    tx, sign, summary = (structured.get(k) for k in ("transaction", "signature_request", "summary"))
    calls = prepared_calls(structured.get("calls"))
    if calls is not None and not isinstance(tx, dict):
        tx = calls[-1]  # what older pages show and send: the last call
    if not isinstance(tx, dict) and not isinstance(sign, dict):
        return None
    return WalletRequest.open(
        chat_session_id,
        row,
        description=outcome.text,
        transaction=tx if isinstance(tx, dict) else None,
        calls=calls,
        signature_request=sign if isinstance(sign, dict) else None,
        summary=summary if isinstance(summary, dict) else None,
    )


def prepared_calls(value: object) -> list[dict[str, Any]] | None:
    """A result's ``calls``: a list of one or more transactions, else None (a single
    ``transaction`` result stays exactly as before)."""
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(call, dict) for call in value):
        return None
    return value


def wallet_instruction(signing: bool, steps: int = 1) -> str:
    """What the person does with a wallet request: answer the card, whose button asks the
    wallet (never a second, separate "confirm in your wallet")."""
    if signing:
        return (
            " Sign or reject it on the card below: Sign asks your browser wallet for the "
            "signature. The outcome arrives as a new message."
        )
    if steps > 1:  # a swap's approval then the swap: one Approve for all of them
        return (
            " Approve or reject it on the card below: one Approve asks your browser wallet to "
            f"sign and send all {steps} transactions, together where the wallet can, otherwise "
            "one after the other. The outcome arrives as a new message."
        )
    return (
        " Approve or reject it on the card below: Approve asks your browser wallet to sign "
        "and send it. The outcome arrives as a new message."
    )
