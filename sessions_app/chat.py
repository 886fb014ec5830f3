"""Chat intake, what the websocket and the HTTP chat API share: session state, submitting
messages and wallet outcomes. A message is stored with its turn (sessions_app/turns.py),
announced, and its turn started (sessions_app/agent/runner.py) or queued. Refusals raise
events.EventError, which each transport reports its own way."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from chatproject.lib.dbthreads import db
from chatproject.lib.networks import Network, UnknownNetwork, get_network
from mcp_proxy.availability import current as network_availability
from sessions_app import events, limits, manager, turns, wallet_checks
from sessions_app.agent import confirmations, runner
from sessions_app.broadcast import publish
from sessions_app.models import ChatSession, Message, ToolCall, WalletRequest
from sessions_app.owner import Owner
from sessions_app.serializers import chat_session_dict, message_dict


class SupersedeRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def supersede_from(chat_session: ChatSession, message_id: object) -> int:
    """Edit and regenerate over the API in two steps: the user message ``message_id`` and
    everything after it leave the conversation (``superseded_at``: kept for the admin, hidden
    in the page, left out of the agent's history) now, and the client sends the text next. The
    page sends one chat.message with ``supersedes`` instead (``_store_replacing``): nothing is
    cut unless its turn is accepted. Returns how many messages were superseded. Refused while
    a turn is queued or runs (its answer would land after the cut)."""
    session = ChatSession.objects.with_busy().get(pk=chat_session.pk)
    manager.check_room_to_reopen(session)  # an ended chat continues with the text sent next
    if session.processing:
        raise SupersedeRefused(*BUSY)
    start = _cut_start(session, message_id)
    later = session.messages.filter(seq__gte=start.seq, superseded_at__isnull=True)
    return later.update(superseded_at=timezone.now())


BUSY = ("busy", "Wait for the answer, or stop it, then try again.")


def _cut_start(chat_session: ChatSession, message_id: object) -> Message:
    """The user message an edit or a regenerate starts from."""
    start = None
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        start = chat_session.messages.filter(pk=message_id, role=Message.Role.USER).first()
    if start is None:
        raise SupersedeRefused("message_not_found", "That message is not in this chat.")
    return start


def _store_replacing(
    chat_session: ChatSession, supersedes: int, store: Callable[[], turns.Intake]
) -> turns.Intake:
    """Edit and regenerate: the new message is stored, and only when its turn starts at once
    do the message ``supersedes`` and everything after it leave the conversation, in the same
    transaction. A refusal (a limit, a running turn, a closed chat) leaves the chat as it was,
    also after a reload; a resend of an accepted one cuts nothing more."""
    with transaction.atomic():
        start = _cut_start(chat_session, supersedes)
        intake = store()
        if not intake.created:
            return intake
        if start.superseded_at is not None:  # replaced meanwhile, in another tab
            raise SupersedeRefused("message_not_found", "That message was replaced already.")
        if intake.turn is None:  # queued behind a running turn: its answer would come after
            raise SupersedeRefused(*BUSY)
        cut = chat_session.messages.filter(seq__gte=start.seq, seq__lt=intake.message.seq)
        cut.filter(superseded_at__isnull=True).update(superseded_at=timezone.now())
    return intake


def history_page(
    chat_session: ChatSession, before: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The latest SESSION_STATE_MESSAGES messages (older than seq ``before`` when given), in
    order, tool calls inside; and whether older ones remain. A long history used to go out
    whole: past daphne's 1 MiB frame limit the session could never be opened again."""
    size = max(1, settings.SESSION_STATE_MESSAGES)
    calls = Prefetch("tool_calls", queryset=ToolCall.objects.order_by("created_at", "pk"))
    rows = (
        chat_session.messages.order_by("-seq")
        .select_related("turn", "answered_turn")
        .prefetch_related(calls)
    )
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows[: size + 1])
    return [message_dict(m) for m in reversed(page[:size])], len(page) > size


def session_state(chat_session: ChatSession) -> dict[str, Any]:
    """``session.state`` built in this thread (sync callers; the websocket uses the async one)."""
    fresh = ChatSession.objects.with_busy().get(pk=chat_session.pk)
    for field in ChatSession._meta.concrete_fields:  # the caller's copy is refreshed too
        setattr(chat_session, field.attname, getattr(fresh, field.attname))
    if fresh.message_seq == 0:  # a new tab's chat: no history, turn or wallet request to read
        return events.session_state(chat_session_dict(fresh, empty=True), [])
    messages, has_more = history_page(fresh)
    return events.session_state(chat_session_dict(fresh), messages, has_more)


async def session_state_event(chat_session: ChatSession) -> dict[str, Any]:
    """``session.state``: the session and its latest messages, tool calls inside them."""
    return await db(session_state)(chat_session)


DATABASE_UNAVAILABLE = runner.DATABASE_UNAVAILABLE


async def resume(chat_session: ChatSession) -> None:
    """A socket or stream connected: run a turn left queued, or left by a dead process."""
    await runner.kick(chat_session.pk)


async def interrupt(chat_session: ChatSession) -> None:
    """Stop the session's running turn, on whichever process runs it."""
    await runner.interrupt(chat_session.pk)


async def submit_chat_message(
    chat_session: ChatSession,
    event: events.ChatMessageIn,
    owner: Owner | None = None,
    address: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Accept a user message; with ``owner`` the session's owner and activity are re-checked;
    with ``address`` the message counts against the owner's and the address's limits first
    (raises limits.RateLimited)."""
    network = await check_network(event.network)
    metadata: dict[str, Any] = {"network": network.name}
    if event.wallet:
        metadata["wallet"] = event.wallet
    limited = (owner, address) if address is not None else None
    try:
        return await accept(
            chat_session,
            Message.Role.USER,
            event.text,
            metadata,
            event.client_msg_id,
            owner,
            limited,
            event.supersedes,
        )
    except SupersedeRefused as exc:  # an edit or a regenerate: the chat stays as it was
        raise events.EventError(exc.code, exc.message) from None
    except manager.ChatSessionInactive as exc:
        raise events.EventError("session_expired", exc.message) from None
    except manager.ChatSessionError as exc:  # unknown, full, or a cap reached
        raise events.EventError(exc.code, exc.message) from None


async def submit_wallet_result(
    chat_session: ChatSession, event: events.WalletResultIn
) -> tuple[dict[str, Any], bool]:
    """The page's answer to a wallet.request: checked against what was prepared
    (sessions_app/wallet_checks.py), recorded, then the agent continues with the verdict, in
    fixed words: a hash of another transaction, a signature by another key or a free-text
    reason never reaches it as the page's answer."""
    request = await db(_pending_request)(chat_session.pk, event.request_id)
    if request is None:  # checked before the lookup: an unknown id costs no network call
        raise _unknown_wallet_request()
    confirming = request.kind == WalletRequest.Kind.CONFIRM
    if (event.status == "confirmed") != confirming and event.status != "rejected":
        raise events.EventError("bad_event", "That answer does not fit this request.")
    if confirming:  # ask before acting (agent/confirmations.py): confirmed or rejected
        return await _settle_confirmation(chat_session, request, event.status)
    verdict = await wallet_checks.judge(
        request,
        chat_session,
        event.status,
        tx_hash=event.tx_hash or "",
        signature=event.signature or "",
        reason=event.reason,
        tx_hashes=event.tx_hashes or (),
    )
    answered = await db(WalletRequest.answer)(
        chat_session.pk, event.request_id, verdict.request_status, **verdict.outcome
    )
    if answered is None:  # another answer was taken while this one was checked
        raise _unknown_wallet_request()
    metadata: dict[str, Any] = {
        "kind": "wallet_result",
        "network": request.network,
        "request_id": event.request_id,
        "wallet_status": verdict.status,
        "tx_hash": verdict.outcome.get("tx_hash", ""),
        "signature": verdict.outcome.get("signature", ""),
        "reason": verdict.outcome.get("reason", ""),
    }
    if "tx_hashes" in verdict.outcome:  # a multi-call request: every step's hash, in order
        metadata["tx_hashes"] = verdict.outcome["tx_hashes"]
        if event.batch_id:
            metadata["batch_id"] = event.batch_id
    return await accept(
        chat_session, Message.Role.SYSTEM, verdict.sentence, metadata, f"wallet:{event.request_id}"
    )


async def _settle_confirmation(
    chat_session: ChatSession, request: WalletRequest, status: str
) -> tuple[dict[str, Any], bool]:
    settled = await confirmations.settle(chat_session, request, status)
    if settled is None:  # answered meanwhile, in another tab
        raise _unknown_wallet_request()
    client_msg_id = f"wallet:{request.public_id}"
    role = Message.Role.SYSTEM
    return await accept(chat_session, role, settled.sentence, settled.metadata, client_msg_id)


def _pending_request(chat_session_id: int, public_id: str) -> WalletRequest | None:
    mine = WalletRequest.objects.filter(chat_session_id=chat_session_id)
    return mine.pending().filter(public_id=public_id).first()


def _unknown_wallet_request() -> events.EventError:
    return events.EventError(
        "unknown_wallet_request", "There is no pending wallet request with that id."
    )


async def check_network(name: str) -> Network:
    """The network, when it exists and its MCP servers' health lets it be used
    (mcp_proxy/availability.py: a network not checked yet is tried)."""
    try:
        network = get_network(name)
    except UnknownNetwork as exc:
        raise events.EventError("unknown_network", str(exc)) from None
    availability = await network_availability(network)
    if not availability.usable:
        message = f"{network.name} is unavailable: {availability.reason}."
        raise events.EventError("network_unavailable", message)
    return network


async def accept(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str = "",
    owner: Owner | None = None,
    limited: tuple[Owner | None, str] | None = None,
    supersedes: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store the message with its turn, announce it, and run the turn or leave it queued.

    With ``owner``, the session's owner and activity are checked by the same statement that
    stores: raises manager.ChatSessionError when it may not take messages any more. With
    ``limited`` (owner, client address), the message counts against their limits first, in
    the same database thread call. With ``supersedes``, an edit or a regenerate from that
    user message (``_store_replacing``; raises SupersedeRefused).
    """
    intake, data, created = await db(_store)(
        chat_session, role, text, metadata, client_msg_id, owner, limited, supersedes
    )
    if created:  # the message, and the answer when its turn runs at once: one event message
        await publish(chat_session.pk, *created)
    if intake.turn is not None:
        runner.start(intake.turn, announced=True)
    else:  # queued (or a resend): take it if the turn before it just ended, or died
        await runner.kick(chat_session.pk)
    return data, intake.created


def _store(
    chat_session: ChatSession,
    role: str,
    text: str,
    metadata: dict[str, Any],
    client_msg_id: str,
    owner: Owner | None,
    limited: tuple[Owner | None, str] | None,
    supersedes: int | None = None,
) -> tuple[turns.Intake, dict[str, Any], list[dict[str, Any]]]:
    """The stored message, as a dict, and its message.created events (with its answer's when
    its turn was claimed at once); no events for a resend."""
    if limited is not None:
        limits.check_chat_message(*limited)
    if role == Message.Role.USER:  # a chat counts against the caps from its first message
        manager.take_place(chat_session)
    store = partial(turns.store, chat_session, role, text, metadata, client_msg_id, owner)
    if role == Message.Role.USER:  # an ended chat takes it too: any chat can be continued
        store = partial(_reopening, chat_session, owner, store)
    intake = store() if supersedes is None else _store_replacing(chat_session, supersedes, store)
    data = message_dict(intake.message)
    if not intake.created:
        return intake, data, []
    created = [events.message_created(data)]
    if intake.turn is not None and intake.turn.answer is not None:
        answer = message_dict(intake.turn.answer, tool_calls=())
        created.append(events.message_created(answer))
    if supersedes is not None:  # every tab of the chat redraws without the replaced messages
        created.append(session_state(chat_session))
    return intake, data, created


def _reopening(
    chat_session: ChatSession, owner: Owner | None, store: Callable[[], turns.Intake]
) -> turns.Intake:
    """``store``; when the chat has ended (idle-expired or closed), it is reopened first
    (manager.reopen: refused only at a cap) and the message stored in it. An active chat pays
    nothing more: the store's own statement finds out."""
    try:
        return store()
    except manager.ChatSessionInactive:
        manager.reopen(chat_session, owner)
    return store()
