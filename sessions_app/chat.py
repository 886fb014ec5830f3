"""What the websocket and the HTTP chat API share: session state, submitting messages and
wallet outcomes. Refusals raise events.EventError, which each transport reports its own way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from sessions_app import events, manager
from sessions_app.agent import runner
from sessions_app.dbthreads import db
from sessions_app.models import ChatSession, Message, ToolCall
from sessions_app.owner import Owner
from sessions_app.serializers import chat_session_dict, message_dict


def history_page(
    chat_session: ChatSession, before: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """The latest SESSION_STATE_MESSAGES messages (older than seq ``before`` when given), in
    order, tool calls inside; and whether older ones remain. A long history used to go out
    whole: past daphne's 1 MiB frame limit the session could never be opened again."""
    size = max(1, settings.SESSION_STATE_MESSAGES)
    calls = Prefetch("tool_calls", queryset=ToolCall.objects.order_by("created_at", "pk"))
    rows = chat_session.messages.order_by("-seq").prefetch_related(calls)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows[: size + 1])
    return [message_dict(m) for m in reversed(page[:size])], len(page) > size


def _state(chat_session: ChatSession) -> dict[str, Any]:
    chat_session.refresh_from_db()
    messages, has_more = history_page(chat_session)
    return events.session_state(chat_session_dict(chat_session), messages, has_more)


async def session_state_event(chat_session: ChatSession) -> dict[str, Any]:
    """``session.state``: the session and its latest messages, tool calls inside them."""
    return await db(_state)(chat_session)


def _check_room(chat_session: ChatSession) -> None:
    cap = settings.MAX_MESSAGES_PER_SESSION
    if cap > 0 and ChatSession.objects.filter(pk=chat_session.pk, message_seq__gte=cap).exists():
        raise events.EventError(
            "session_full",
            f"This chat session has reached its {cap} messages; start a new chat to go on.",
        )


async def submit_chat_message(
    chat_session: ChatSession, event: events.ChatMessageIn, owner: Owner | None = None
) -> tuple[dict[str, Any], bool]:
    """Accept a user message; with ``owner`` the session's owner and activity are re-checked."""
    await db(_check_room)(chat_session)
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
