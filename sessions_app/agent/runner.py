"""The turn loop: run a claimed turn, then the session's next queued ones, in order.

A turn runs as a task of the process that claimed it (sessions_app/turns.py). It ends when the
provider answers, when an interrupt arrives through the session's control group (from any
process), or when it fails; in every case the answer keeps what was said, and
``turn.complete`` closes it. Message intake is sessions_app/chat.py.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Coroutine
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from chatproject.lib import logcontext
from chatproject.lib.dbthreads import db
from chatproject.lib.metrics import ERRORS, TURN_SECONDS, TURNS
from chatproject.lib.networks import Network, UnknownNetwork, get_network
from chatproject.lib.redact import redact
from sessions_app import events, turns
from sessions_app.agent import interrupts, titles
from sessions_app.agent.context import TurnContext, Unsent
from sessions_app.agent.errors import ProviderError
from sessions_app.agent.providers import get_provider
from sessions_app.broadcast import publish, send_interrupt
from sessions_app.models import Message, Turn
from sessions_app.rendering import render_markdown
from sessions_app.serializers import message_dict

log = logging.getLogger(__name__)

_background: set[asyncio.Task[Any]] = set()

DATABASE_UNAVAILABLE = (
    "database_unavailable",
    "The database is unreachable right now; nothing new could be stored. Try again shortly.",
)
OUTCOME_STATUS = {"ok": Turn.Status.DONE, "interrupted": Turn.Status.INTERRUPTED}


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """A background task of this process, kept referenced until it ends.

    It starts from an empty context: a request's thread-sensitive executor (asgiref) ends with
    the request, and the turn outlives it.
    """
    task = asyncio.get_running_loop().create_task(coro, context=contextvars.Context())
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


def start(turn: Turn | None, announced: bool = False) -> None:
    """Run a turn this process claimed (and the session's queue after it); ``announced``: its
    answer's message.created went out already, with the message it answers."""
    if turn is not None:
        spawn(drain(turn, announced))


async def kick(chat_session_id: int) -> None:
    """Claim the session's next queued turn, recovering one whose holder is gone (on every
    socket connect, and after a message was queued)."""
    try:
        start(await db(turns.claim)(chat_session_id))
    except DatabaseError:  # database away: the next connect or message kicks again
        log.warning("kick skipped: database unavailable", exc_info=True)


async def interrupt(chat_session_id: int) -> None:
    await send_interrupt(chat_session_id)


class _Current:
    """The turn being run, for the heartbeat; None between turns."""

    turn: Turn | None = None


async def drain(turn: Turn, announced: bool = False) -> None:
    """Run ``turn``, then claim and run the session's queued turns until none is left."""
    chat_session_id = turn.chat_session_id
    current = _Current()
    stop = await interrupts.watch(chat_session_id)
    beat = spawn(_heartbeat(current, stop))
    next_turn: Turn | None = turn
    try:
        while next_turn is not None:
            current.turn = next_turn
            stop.clear()
            next_turn = await run_turn(next_turn, stop, announced)
            current.turn, announced = None, False
    except DatabaseError:
        # Without the database the turn can neither continue nor be stored: tell the
        # session's sockets (the event goes through Redis); the turn ends when it is back.
        log.warning("turn stopped: database unavailable", exc_info=True)
        await publish(chat_session_id, events.error(*DATABASE_UNAVAILABLE))
    finally:
        beat.cancel()
        try:
            await interrupts.unwatch(chat_session_id)
        finally:
            if current.turn is not None:
                await _fail_when_possible(current.turn)


async def _fail_when_possible(turn: Turn, attempts: int = 30) -> None:
    """End a turn cut off by a database outage, retrying while the database is away (else
    its lease runs out and the next claim recovers it); then the queue goes on."""
    for attempt in range(attempts):
        try:
            await db(turns.finish)(turn, Turn.Status.FAILED, error="database_unavailable")
        except DatabaseError:
            await asyncio.sleep(min(0.5 * 2**attempt, 5.0))
            continue
        await kick(turn.chat_session_id)
        return


async def _heartbeat(current: _Current, stop: asyncio.Event) -> None:
    """Renew the running turn's lease. A turn whose lease another process took (it recovered
    the turn) is stopped here, so two never write one answer; a database away for one beat is
    tried again at the next."""
    period = turns.lease().total_seconds() / 3
    while True:
        await asyncio.sleep(period)
        turn = current.turn
        if turn is None:
            continue
        try:
            held = await db(turns.renew)(turn)
        except DatabaseError:
            log.warning("turn lease not renewed: database unavailable", exc_info=True)
            continue
        if not held and current.turn is turn:
            log.warning("turn lease lost: another process runs this turn now")
            stop.set()


async def run_turn(turn: Turn, stop: asyncio.Event, announced: bool = False) -> Turn | None:
    """Run one turn to its end; the session's next turn, claimed for this process, if any."""
    assert turn.answer is not None
    chat_session, trigger, answer = turn.chat_session, turn.request, turn.answer
    network_name = answer.metadata.get("network") or chat_session.network
    with logcontext.bound(session=chat_session.public_id, network=network_name):
        started = time.perf_counter()
        if not announced:
            created = events.message_created(message_dict(answer, tool_calls=()))
            await publish(chat_session.pk, created)
        network = _known_network(network_name)
        if network is None:  # the table changed since the message was taken: never guess one
            TURNS.labels(network_name, "error").inc()
            return await _refuse(turn, _unknown_network(network_name))
        ctx = TurnContext(chat_session, network, trigger, answer, trigger.metadata.get("wallet"))
        outcome, error = await _work_until_done_or_interrupted(ctx, stop)
        next_turn = await _finish(ctx, turn, outcome, error)
        if outcome == "ok" and trigger.seq == 1 and settings.AGENT_PROVIDER != "builtin":
            spawn(titles.retitle(chat_session.pk, trigger.content))
        TURNS.labels(network_name, outcome).inc()
        TURN_SECONDS.labels(network_name).observe(time.perf_counter() - started)
    return next_turn


def _known_network(name: str) -> Network | None:
    try:
        return get_network(name)
    except UnknownNetwork:
        return None


def _unknown_network(name: str) -> events.EventError:
    shown = name[:32]
    return events.EventError(
        "unknown_network",
        f"This chat's network “{shown}” is not served here; pick a network and send it again.",
    )


async def _refuse(turn: Turn, error: events.EventError) -> Turn | None:
    """End a turn that cannot start, with its error said in the answer and as an event."""
    assert turn.answer is not None
    return await _end(turn, turn.answer, Turn.Status.FAILED, "", error)


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
    if isinstance(exc, ProviderError):
        return events.EventError(exc.code, exc.message)
    return events.EventError("agent_failed", "The agent failed while answering; try again.")


async def _finish(
    ctx: TurnContext, turn: Turn, outcome: str, error: events.EventError | None
) -> Turn | None:
    """What waited (tool results), the answer's last words, the turn's end and the claim of
    the session's next turn in one database call; then the events, in one message: the
    waiting ones, the error, turn.complete."""
    unsent = ctx.take_unsent()
    unsent.text = None  # the end below writes the answer's final text
    content = ctx.text
    if outcome == "interrupted":
        content = f"{content}\n\n_(Interrupted.)_".strip()
    status = OUTCOME_STATUS.get(outcome, Turn.Status.FAILED)
    return await _end(turn, ctx.assistant, status, content, error, unsent)


async def _end(
    turn: Turn,
    answer: Message,
    status: str,
    content: str,
    error: events.EventError | None,
    unsent: Unsent | None = None,
) -> Turn | None:
    """The one way a turn ends: its answer's final text (with the error said in it, secrets
    redacted, rendered once), the end and the next turn's claim in one database call, then
    what waited, the error and turn.complete as one channel-layer message."""
    if error is not None:
        content = f"{content}\n\n**Error:** {error.message}".strip()
        ERRORS.labels(error.code).inc()
    content = redact(content)  # a key quoted by a provider or tool is never stored or shown
    html = render_markdown(content)  # once: stored with the answer, not on every history load
    code = error.code if error else ""
    statements = unsent.statements() if unsent else []
    end = db(turns.finish_and_claim_next)
    next_turn = await end(turn, status, content, html, code, statements)
    answer.content = content
    ending = list(unsent.events) if unsent else []
    if error is not None:
        ending.append(events.error(error.code, error.message))
    ending.append(events.turn_complete(answer.pk, html))
    await publish(turn.chat_session_id, *ending)
    return next_turn
