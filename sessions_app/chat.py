"""What the websocket and the HTTP chat API share: session state, submitting messages and
wallet outcomes. Refusals raise events.EventError, which each transport reports its own way."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch

from sessions_app import events, manager
from sessions_app.agent import runner
from sessions_app.dbthreads import db
from sessions_app.models import ChatSession, Message, ToolCall
from sessions_app.owner import Owner
from sessions_app.serializers import chat_session_dict, message_dict

# Message status (metadata.status) of messages an edit or a regenerate took out of the
# conversation: kept for the admin, hidden in the page, left out of the agent's history.
SUPERSEDED = "superseded"


class SupersedeRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def supersede_from(chat_session: ChatSession, message_id: object) -> int:
    """Edit and regenerate: the user message ``message_id`` and everything after it leave the
    conversation; the page then submits the (edited or same) text as a new chat.message, so
    the new turn starts from that point through the ordinary intake. Returns how many messages
    were superseded. Refused while a turn runs (its answer would land after the cut).
    """
    with transaction.atomic():
        session = ChatSession.objects.select_for_update().get(pk=chat_session.pk)
        if not session.is_active:
            raise SupersedeRefused("session_expired", "This chat accepts no new messages.")
        if session.processing:
            raise SupersedeRefused("busy", "Wait for the answer, or stop it, then try again.")
        start = None
        if isinstance(message_id, int) and not isinstance(message_id, bool):
            start = session.messages.filter(pk=message_id, role=Message.Role.USER).first()
        if start is None:
            raise SupersedeRefused("message_not_found", "That message is not in this chat.")
        later = session.messages.filter(seq__gte=start.seq)
        cut = [m for m in later if m.metadata.get("status") != SUPERSEDED]
        for message in cut:
            message.metadata = {**message.metadata, "status": SUPERSEDED}
            message.save(update_fields=["metadata"])
    return len(cut)


def session_state(chat_session: ChatSession) -> dict[str, Any]:
    """``session.state`` built in this thread (sync callers; the websocket uses the async one)."""
    chat_session.refresh_from_db()
    calls = Prefetch("tool_calls", queryset=ToolCall.objects.order_by("created_at", "pk"))
    messages = chat_session.messages.order_by("seq").prefetch_related(calls)
    return events.session_state(
        chat_session_dict(chat_session), [message_dict(m) for m in messages]
    )


async def session_state_event(chat_session: ChatSession) -> dict[str, Any]:
    """``session.state``: the session and its full history, tool calls inside their messages."""
    return await db(session_state)(chat_session)


async def submit_chat_message(
    chat_session: ChatSession, event: events.ChatMessageIn, owner: Owner | None = None
) -> tuple[dict[str, Any], bool]:
    """Accept a user message; with ``owner`` the session's owner and activity are re-checked."""
    try:
        network = runner.check_network(event.network)
    except runner.TurnRefused as exc:
        raise events.EventError(exc.code, exc.message) from None
    metadata: dict[str, Any] = {"network": network.name}
    if event.wallet:
        metadata["wallet"] = event.wallet
    try:
        return await runner.accept_incoming(
            chat_session, Message.Role.USER, event.text, metadata, event.client_msg_id, owner
        )
    except manager.ChatSessionInactive as exc:
        raise events.EventError("session_expired", exc.message) from None
    except manager.ChatSessionNotFound as exc:
        raise events.EventError(exc.code, exc.message) from None


async def submit_wallet_result(
    chat_session: ChatSession, event: events.WalletResultIn
) -> tuple[dict[str, Any], bool]:
    """The page's answer to a wallet.request: recorded, then the agent continues with it."""
    request = await db(_take_pending_request)(chat_session, event.request_id)
    if request is None:
        raise events.EventError(
            "unknown_wallet_request", "There is no pending wallet request with that id."
        )
    metadata = {
        "kind": "wallet_result",
        "network": request.get("network") or chat_session.network,
        "request_id": event.request_id,
        "wallet_status": event.status,
        "tx_hash": event.tx_hash or "",
        "reason": event.reason,
    }
    text = _wallet_sentence(event)
    return await runner.accept_incoming(
        chat_session, Message.Role.SYSTEM, text, metadata, f"wallet:{event.request_id}"
    )


def _wallet_sentence(event: events.WalletResultIn) -> str:
    if event.status == "sent":
        return f"Wallet: the user signed and sent the transaction {event.tx_hash}."
    reason = event.reason or "no reason given"
    return f"Wallet: the user rejected the transaction ({reason})."


def _take_pending_request(chat_session: ChatSession, request_id: str) -> dict[str, Any] | None:
    """Clear the pending request if it is this one (conditional: only one answer wins)."""
    fresh = ChatSession.objects.get(pk=chat_session.pk)
    request = fresh.pending_wallet_request
    if not isinstance(request, dict) or request.get("request_id") != request_id:
        return None
    cleared = ChatSession.objects.filter(
        pk=chat_session.pk, pending_wallet_request__request_id=request_id
    ).update(pending_wallet_request=None)
    return request if cleared else None
