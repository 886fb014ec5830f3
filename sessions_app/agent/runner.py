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

from django.conf import settings
from django.db import DatabaseError, transaction

from chatproject import logcontext
from chatproject.metrics import ERRORS, TURN_SECONDS, TURNS
from chatproject.networks import Network, UnknownNetwork, get_network
from chatproject.redact import redact
from sessions_app import events, manager, turns
from sessions_app.agent import interrupts, titles
from sessions_app.agent.context import TurnContext
from sessions_app.agent.providers import get_provider
from sessions_app.broadcast import publish, send_interrupt
from sessions_app.dbthreads import db
from sessions_app.models import ChatSession, Message, ToolCall
from sessions_app.owner import Owner
from sessions_app.rendering import render_markdown
from sessions_app.serializers import message_dict

log = logging.getLogger(__name__)

_background: set[asyncio.Task[Any]] = set()


DATABASE_UNAVAILABLE = (
    "database_unavailable",
    "The database is unreachable right now; nothing new could be stored. Try again shortly.",
)


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
    owner: Owner | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store the message (queued when a turn runs), announce it, and start or queue its turn.

    With ``owner``, the session is first re-checked (owner, activity) in the same database
    call: raises manager.ChatSessionError when it may not take messages any more.
    """
    message, data, created, claimed = await db(_claim_and_store)(
        chat_session, role, text, metadata, client_msg_id, owner
    )
    if created:
        await publish(chat_session.pk, events.message_created(data))
    if claimed:
        first_in_line = created and message.metadata.get("status") != turns.QUEUED
        spawn(drain(chat_session.pk, first=message if first_in_line else None))
    else:
        await kick(chat_session.pk)
    return data, created


def _claim_and_store(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str,
    owner: Owner | None,
) -> tuple[Message, dict[str, Any], bool, bool]:
    if owner is not None:
        manager.get_active_for_owner(chat_session.public_id, owner)
    message, created, claimed = turns.claim_and_store(
        chat_session, role, text, metadata, client_msg_id
    )
    return message, message_dict(message), created, claimed


async def kick(chat_session_id: int) -> None:
    """Start draining if a message awaits its answer and nobody holds the turn (also recovers
    dead claims and the messages they left unanswered)."""
    try:
        claimed = await db(_claim_if_queued)(chat_session_id)
    except DatabaseError:  # database away: the next connect or message kicks again
        log.warning("kick skipped: database unavailable", exc_info=True)
        return
    if claimed:
        spawn(drain(chat_session_id))


def _claim_if_queued(chat_session_id: int) -> bool:
    awaiting = turns.awaiting_answer(chat_session_id).exists()
    return awaiting and turns.try_claim(chat_session_id)


async def interrupt(chat_session_id: int) -> None:
    await send_interrupt(chat_session_id)


async def drain(chat_session_id: int, first: Message | None = None) -> None:
    """Run turns for ``first`` and every queued message, in order, then release the claim."""
    beat = spawn(_heartbeat(chat_session_id))
    stop = await interrupts.watch(chat_session_id)
    message = first
    released = False
    try:
        while True:
            if message is None:
                message = await db(turns.take_next_queued)(chat_session_id)
            if message is None:
                if await db(turns.release_or_reclaim)(chat_session_id):
                    continue
                released = True  # releasing again could free a claim taken since then
                return
            stop.clear()
            await run_turn(chat_session_id, message, stop)
            message = None
    except DatabaseError:
        # Without the database the turn can neither continue nor be stored: tell the
        # session's sockets (the event goes through Redis), then free the claim (tests/faults).
        log.warning("turn stopped: database unavailable", exc_info=True)
        await publish(chat_session_id, events.error(*DATABASE_UNAVAILABLE))
    finally:
        beat.cancel()
        try:
            await interrupts.unwatch(chat_session_id)
        finally:
            # Whatever unwatch met, free the claim: a claim left behind holds the session's
            # next messages until its lease runs out (bench/faults.py --scenarios redis).
            if not released:
                await _release_when_possible(chat_session_id)


async def _release_when_possible(chat_session_id: int, attempts: int = 30) -> None:
    """Release the claim, retrying while the database is away (else the lease runs out)."""
    for attempt in range(attempts):
        try:
            await db(turns.release)(chat_session_id)
        except DatabaseError:
            await asyncio.sleep(min(0.5 * 2**attempt, 5.0))
            continue
        if attempt:  # messages may have queued up while the database was away
            await kick(chat_session_id)
        return


async def _heartbeat(chat_session_id: int) -> None:
    period = turns.lease().total_seconds() / 3
    while True:
        await asyncio.sleep(period)
        await db(turns.heartbeat)(chat_session_id)


async def run_turn(chat_session_id: int, trigger: Message, stop: asyncio.Event) -> None:
    begun = await db(_begin_turn)(chat_session_id, trigger)
    if begun is None:
        return
    chat_session, assistant, data = begun
    network_name = assistant.metadata["network"]
    with logcontext.bound(session=chat_session.public_id, network=network_name):
        started = time.perf_counter()
        await publish(chat_session.pk, events.message_created(data))
        ctx = TurnContext(
            chat_session,
            _network_or_none(network_name),
            trigger,
            assistant,
            trigger.metadata.get("wallet"),
        )
        outcome, error = await _work_until_done_or_interrupted(ctx, stop)
        await _finish(ctx, outcome, error)
        if outcome == "ok" and trigger.seq == 1 and settings.AGENT_PROVIDER != "builtin":
            spawn(titles.retitle(chat_session.pk, trigger.content))
        TURNS.labels(network_name, outcome).inc()
        TURN_SECONDS.labels(network_name).observe(time.perf_counter() - started)


def _begin_turn(
    chat_session_id: int, trigger: Message
) -> tuple[ChatSession, Message, dict[str, Any]] | None:
    """The session and the new (streaming) assistant message; None if the session ended or
    this process lost the claim (its lease was taken over: the new holder answers)."""
    with transaction.atomic():
        if not turns.holds_claim(chat_session_id):
            return None
        chat_session = ChatSession.objects.get(pk=chat_session_id)
        if not chat_session.is_active:
            return None
        metadata = {"status": turns.STREAMING, "reply_to": trigger.pk}
        metadata["network"] = trigger.metadata.get("network") or chat_session.network
        assistant = chat_session.add_message(Message.Role.ASSISTANT, "", metadata)
    # A new message has no tool calls yet: spare message_dict the query.
    assistant._prefetched_objects_cache = {"tool_calls": ToolCall.objects.none()}  # type: ignore[attr-defined]
    return chat_session, assistant, message_dict(assistant)


def _network_or_none(name: str) -> Network:
    try:
        return get_network(name)
    except UnknownNetwork:
        return get_network("testnet")


async def _work_until_done_or_interrupted(
    ctx: TurnContext, stop: asyncio.Event
) -> tuple[str, events.EventError | None]:
    work = asyncio.ensure_future(get_provider().respond(ctx))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
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


async def _finish(ctx: TurnContext, outcome: str, error: events.EventError | None) -> None:
    await ctx.flush()
    content = ctx.text
    if outcome == "interrupted":
        content = f"{content}\n\n_(Interrupted.)_".strip()
    if error is not None:
        content = f"{content}\n\n**Error:** {error.message}".strip()
        ERRORS.labels(error.code).inc()
    status = {"ok": "", "interrupted": "interrupted", "error": "error"}[outcome]
    content = redact(content)  # a key quoted by a provider or tool is never stored or shown
    await _finalize_message(ctx.assistant, content, status)
    if error is not None:
        await publish(ctx.session_id, events.error(error.code, error.message))
    html = render_markdown(content)
    await publish(ctx.session_id, events.turn_complete(ctx.assistant.pk, html))


@db
def _finalize_message(message: Message, content: str, status: str) -> None:
    message.content = content
    message.html = render_markdown(content)  # once, not on every load of the history
    message.metadata = {**message.metadata, "status": status}
    message.save(update_fields=["content", "html", "metadata"])


def max_rounds() -> int:
    return max(1, settings.AGENT_MAX_TOOL_ROUNDS)
