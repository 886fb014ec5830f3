"""The turn runner: accept a message, claim the turn, drain the queue, run each turn.

A turn runs as a task of the process that claimed it. It ends when the provider answers, when
an interrupt arrives through the session's control group (from any process), or when it fails;
in every case the assistant message keeps what was said, and ``turn.complete`` closes it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Coroutine
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from chatproject import logcontext
from chatproject.metrics import ERRORS, TURN_SECONDS, TURNS
from chatproject.networks import Network, UnknownNetwork, get_network
from sessions_app import events, turns
from sessions_app.agent.context import TurnContext
from sessions_app.agent.providers import get_provider
from sessions_app.broadcast import INTERRUPT_MESSAGE_TYPE, control_group, publish, send_interrupt
from sessions_app.dbthreads import db
from sessions_app.models import ChatSession, Message, ToolCall
from sessions_app.rendering import render_markdown
from sessions_app.serializers import message_dict

log = logging.getLogger(__name__)

_background: set[asyncio.Task[Any]] = set()


class TurnRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """A background task of this process, kept referenced until it ends.

    It starts from an empty context: a request's thread-sensitive executor (asgiref) ends with
    the request, and the turn outlives it.
    """
    task = asyncio.get_running_loop().create_task(coro, context=contextvars.Context())
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


def check_network(name: str) -> Network:
    try:
        network = get_network(name)
    except UnknownNetwork as exc:
        raise TurnRefused("unknown_network", str(exc)) from None
    if not network.available:
        reason = network.unavailable_reason
        raise TurnRefused("network_unavailable", f"{network.name} is unavailable: {reason}.")
    return network


async def accept_incoming(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str = "",
) -> tuple[dict[str, Any], bool]:
    """Store the message (queued when a turn runs), announce it, and start or queue its turn."""
    pk = chat_session.pk
    claimed = await db(turns.try_claim)(pk)
    metadata = {**metadata, "status": "" if claimed else turns.QUEUED}
    try:
        message, created = await db(turns.store_incoming)(
            chat_session, role, text, metadata, client_msg_id
        )
        data = await db(message_dict)(message)
    except BaseException:
        if claimed:
            await db(turns.release)(pk)
        raise
    if not created:
        if claimed:
            await db(turns.release)(pk)
            await kick(pk)
        return data, False
    await publish(pk, events.message_created(data))
    if claimed:
        spawn(drain(pk, first=message))
    else:
        await kick(pk)
    return data, True


async def kick(chat_session_id: int) -> None:
    """Start draining queued messages if nobody holds the turn (also recovers dead claims)."""
    if not await db(turns.has_queued)(chat_session_id):
        return
    if await db(turns.try_claim)(chat_session_id):
        spawn(drain(chat_session_id))


async def interrupt(chat_session_id: int) -> None:
    await send_interrupt(chat_session_id)


async def drain(chat_session_id: int, first: Message | None = None) -> None:
    """Run turns for ``first`` and every queued message, in order, then release the claim."""
    beat = spawn(_heartbeat(chat_session_id))
    message = first
    try:
        while True:
            if message is None:
                message = await db(turns.take_next_queued)(chat_session_id)
            if message is None:
                await db(turns.release)(chat_session_id)
                if await db(turns.has_queued)(chat_session_id):
                    if await db(turns.try_claim)(chat_session_id):
                        continue
                return
            await run_turn(chat_session_id, message)
            message = None
    finally:
        beat.cancel()
        await db(turns.release)(chat_session_id)


async def _heartbeat(chat_session_id: int) -> None:
    period = turns.lease().total_seconds() / 3
    while True:
        await asyncio.sleep(period)
        await db(turns.heartbeat)(chat_session_id)


async def run_turn(chat_session_id: int, trigger: Message) -> None:
    chat_session = await db(ChatSession.objects.get)(pk=chat_session_id)
    network_name = trigger.metadata.get("network") or chat_session.network
    with logcontext.bound(session=chat_session.public_id, network=network_name):
        if not chat_session.is_active:
            return
        started = time.perf_counter()
        outcome = await _run_turn(chat_session, trigger, network_name)
        TURNS.labels(network_name, outcome).inc()
        TURN_SECONDS.labels(network_name).observe(time.perf_counter() - started)


async def _run_turn(chat_session: ChatSession, trigger: Message, network_name: str) -> str:
    layer = get_channel_layer()
    assert layer is not None
    control = await layer.new_channel()
    await layer.group_add(control_group(chat_session.pk), control)
    assistant = await _create_assistant_message(chat_session, trigger)
    await publish(chat_session.pk, events.message_created(await _dict(assistant)))
    ctx = TurnContext(
        chat_session,
        _network_or_none(network_name),
        trigger,
        assistant,
        trigger.metadata.get("wallet"),
    )
    try:
        outcome, error = await _work_until_done_or_interrupted(ctx, layer, control)
    finally:
        await layer.group_discard(control_group(chat_session.pk), control)
    await _finish(ctx, outcome, error)
    return outcome


def _network_or_none(name: str) -> Network:
    try:
        return get_network(name)
    except UnknownNetwork:
        return get_network("testnet")


async def _work_until_done_or_interrupted(
    ctx: TurnContext, layer: Any, control: str
) -> tuple[str, events.EventError | None]:
    work = asyncio.ensure_future(get_provider().respond(ctx))
    stop = asyncio.ensure_future(_wait_for_interrupt(layer, control))
    try:
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if not work.done():
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        return "interrupted", None
    exc = work.exception()
    if exc is None:
        return "ok", None
    log.error("turn failed", exc_info=exc)
    return "error", _describe_failure(exc)


def _describe_failure(exc: BaseException) -> events.EventError:
    from sessions_app.agent.providers import ProviderError

    if isinstance(exc, ProviderError):
        return events.EventError(exc.code, exc.message)
    return events.EventError("agent_failed", "The agent failed while answering; try again.")


async def _wait_for_interrupt(layer: Any, control: str) -> None:
    while True:
        message = await layer.receive(control)
        if message.get("type") == INTERRUPT_MESSAGE_TYPE:
            return


async def _finish(ctx: TurnContext, outcome: str, error: events.EventError | None) -> None:
    await ctx.flush()
    content = ctx.text
    if outcome == "interrupted":
        content = f"{content}\n\n_(Interrupted.)_".strip()
    if error is not None:
        content = f"{content}\n\n**Error:** {error.message}".strip()
        ERRORS.labels(error.code).inc()
    status = {"ok": "", "interrupted": "interrupted", "error": "error"}[outcome]
    await _finalize_message(ctx.assistant, content, status)
    if error is not None:
        await publish(ctx.session_id, events.error(error.code, error.message))
    html = render_markdown(content)
    await publish(ctx.session_id, events.turn_complete(ctx.assistant.pk, html))


@db
def _create_assistant_message(chat_session: ChatSession, trigger: Message) -> Message:
    metadata = {"status": turns.STREAMING, "reply_to": trigger.pk}
    metadata["network"] = trigger.metadata.get("network") or chat_session.network
    message = chat_session.add_message(Message.Role.ASSISTANT, "", metadata)
    # A new message has no tool calls yet: spare message_dict the query.
    message._prefetched_objects_cache = {"tool_calls": ToolCall.objects.none()}  # type: ignore[attr-defined]
    return message


@db
def _finalize_message(message: Message, content: str, status: str) -> None:
    message.content = content
    message.metadata = {**message.metadata, "status": status}
    message.save(update_fields=["content", "metadata"])


@db
def _dict(message: Message) -> dict[str, Any]:
    return message_dict(message)


def max_rounds() -> int:
    return max(1, settings.AGENT_MAX_TOOL_ROUNDS)
