"""The websocket / SSE event protocol of docs/api.md: validation in, builders out.

Client -> server frames are validated with Pydantic; a malformed frame raises EventError,
which the consumer answers with an ``error`` event (the socket stays open).

One additive field: ``chat.message`` may carry ``wallet``, the address
of the browser wallet connected in the page. On non-dev networks the agent prepares
transactions from it (``prepare_transaction``) and hands them back as ``wallet.request``.
It may also carry ``supersedes``, a user message's id: an edit or a regenerate from there,
cut only when the new turn is accepted (refused: ``busy``, ``message_not_found``).

Server -> client events are plain dicts with ``type`` first, built by the functions below so
that every producer (consumer, turn runner, SSE view) sends exactly the same shapes.

Additive details:
- Messages (``session.state`` / ``message.created``) are serializers.message_dict: ``status``
  is "" (done), "queued" (waits for the running turn), "streaming", "interrupted" or "error";
  assistant messages carry ``html`` and ``tool_calls`` (serializers.tool_call_dict, so a
  reloaded page can draw the tool cards); ``metadata.reply_to`` links an answer to its message.
- Each turn starts with ``message.created`` for its (empty, "streaming") assistant message;
  ``tool.call``, ``assistant.delta`` and ``turn.complete`` then refer to it by id.
- ``tool.result`` also carries ``text``, the tool's own one-sentence summary.
- A wallet outcome is recorded as a message with role "system" (metadata.kind
  "wallet_result") and answered by a turn like a user message.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from chatproject.lib.textcheck import UNSTORABLE_MESSAGE, has_unstorable_text

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
TX_HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"
SIGNATURE_PATTERN = r"^0x[0-9a-fA-F]{130}$"
# A wallet's EIP-5792 batch id is any string (most wallets: hex); no spaces, so no sentences.
BATCH_ID_PATTERN = r"^[0-9A-Za-z_.:-]{1,200}$"
MAX_FRAME_CHARS = 64 * 1024
# A multi-call answer (a swap: approval then swap) names one hash per call at most.
MAX_TX_HASHES = 16


class EventError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ChatMessageIn(_Event):
    type: Literal["chat.message"]
    text: Annotated[str, StringConstraints(min_length=1)]
    network: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    client_msg_id: Annotated[str, StringConstraints(max_length=64)] = ""
    wallet: Annotated[str, StringConstraints(pattern=ADDRESS_PATTERN)] | None = None
    # Edit and regenerate: the id of the user message this one replaces, with what followed it
    # (sessions_app/chat.py, _store_replacing).
    supersedes: Annotated[int, Field(strict=True, gt=0)] | None = None


class ChatInterruptIn(_Event):
    type: Literal["chat.interrupt"]


class WalletResultIn(_Event):
    type: Literal["wallet.result"]
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    status: Literal["sent", "rejected", "confirmed"]  # confirmed: a kind "confirm" request
    tx_hash: Annotated[str, StringConstraints(pattern=TX_HASH_PATTERN)] | None = None
    # A request with ``calls``: the hashes in call order, or the one hash of an atomic batch;
    # ``batch_id`` is the wallet's EIP-5792 id of that batch, kept as the page reported it.
    tx_hashes: (
        Annotated[
            list[Annotated[str, StringConstraints(pattern=TX_HASH_PATTERN)]],
            Field(min_length=1, max_length=MAX_TX_HASHES),
        ]
        | None
    ) = None
    batch_id: Annotated[str, StringConstraints(pattern=BATCH_ID_PATTERN)] | None = None
    signature: Annotated[str, StringConstraints(pattern=SIGNATURE_PATTERN)] | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


ClientEvent = Annotated[
    ChatMessageIn | ChatInterruptIn | WalletResultIn, Field(discriminator="type")
]
_client_event = TypeAdapter(ClientEvent)


def parse_client_event(
    frame: str | bytes | None,
) -> ChatMessageIn | ChatInterruptIn | WalletResultIn:
    """The validated event of one frame; raises EventError with a sentence for the client."""
    if not frame:
        raise EventError("bad_event", "Empty frame: send one JSON object per frame.")
    if len(frame) > MAX_FRAME_CHARS:
        raise EventError("too_large", f"Frames are limited to {MAX_FRAME_CHARS} characters.")
    try:
        data = json.loads(frame)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: nesting too deep for the parser; it killed the consumer (tests/abuse).
        raise EventError("bad_json", "The frame is not valid JSON.") from None
    return validate_client_event(data)


def validate_client_event(data: object) -> ChatMessageIn | ChatInterruptIn | WalletResultIn:
    if not isinstance(data, dict):
        raise EventError("bad_event", "An event must be a JSON object with a type.")
    if has_unstorable_text(data):
        # PostgreSQL cannot store NUL, UTF-8 cannot encode a lone surrogate (tests/abuse).
        raise EventError("bad_event", UNSTORABLE_MESSAGE)
    try:
        event = _client_event.validate_python(data)
    except ValidationError as exc:
        raise EventError("bad_event", _describe(exc)) from None
    if isinstance(event, ChatMessageIn) and len(event.text) > settings.MAX_MESSAGE_CHARS:
        raise EventError(  # refused whole: a cut message would ask something else
            "message_too_long",
            f"This message has {len(event.text):,} characters; messages are limited to "
            f"{settings.MAX_MESSAGE_CHARS:,}. Shorten it or split it into parts.",
        )
    if isinstance(event, WalletResultIn) and event.status == "sent" and not event.tx_hash:
        if not event.signature and not event.tx_hashes:
            raise EventError(
                "bad_event",
                "wallet.result with status 'sent' needs a tx_hash, tx_hashes or a signature.",
            )
    return event


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "Unknown event type: use chat.message, chat.interrupt or wallet.result."
    return f"Invalid event: {where}: {first['msg']}."


# Server -> client builders ------------------------------------------------------------------


def session_state(
    session: dict[str, Any], messages: list[dict[str, Any]], has_more: bool = False
) -> dict[str, Any]:
    """The latest messages; ``has_more``: older ones exist, fetched by
    GET /api/sessions/<id>?before=<seq of the oldest one here>."""
    return {"type": "session.state", "session": session, "messages": messages, "has_more": has_more}


def message_created(message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message.created", "message": message}


def assistant_delta(message_id: int, text: str) -> dict[str, Any]:
    return {"type": "assistant.delta", "message_id": message_id, "text": text}


def tool_call(call_id: str, tool: str, network: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "tool.call",
        "call_id": call_id,
        "tool": tool,
        "network": network,
        "arguments": arguments,
    }


def tool_result(
    call_id: str, ok: bool, payload: Any, duration_ms: int, text: str = ""
) -> dict[str, Any]:
    key = "result" if ok else "error"
    event = {"type": "tool.result", "call_id": call_id, "ok": ok, key: payload}
    event.update({"duration_ms": duration_ms, "text": text})
    return event


def wallet_request(card: dict[str, Any]) -> dict[str, Any]:
    """A WalletRequest's card: request_id, tx, description, network, created_at, and the
    additive ``summary`` (what the transaction does, decoded by the MCP server, with the spend
    policy's verdict) and ``sign`` ({method, params} of a message or typed-data signature; then
    ``tx`` is null and the answer carries ``signature``)."""
    return {"type": "wallet.request", **card}


def turn_complete(message_id: int, html: str) -> dict[str, Any]:
    return {"type": "turn.complete", "message_id": message_id, "html": html}


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}
