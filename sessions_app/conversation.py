"""A chat's conversation as the shared page and the export read it: the messages a person
sees, their tool calls, and the hashes and addresses in them (as static/js/refs.js finds them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q

from chatproject.lib.networks import UnknownNetwork, get_network
from sessions_app.models import ChatSession, Message, ToolCall

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
ZERO = re.compile(r"^0x0+$")
BLOCK_KEY = re.compile(r"block", re.IGNORECASE)
PARENT_KEY = re.compile(r"parent", re.IGNORECASE)
PARENT_KEYS = frozenset({"parent_hash", "parentHash"})
FROM_KEYS = frozenset({"from", "from_address", "sender"})
TO_KEYS = frozenset({"to", "recipient"})
MAX_REFS = 8
SHOWN_ROLES = (Message.Role.USER, Message.Role.ASSISTANT, Message.Role.SYSTEM)


@dataclass(frozen=True)
class Ref:
    kind: str  # "tx", "block" or "address"
    value: str
    explorer: str = ""  # the block explorer's page of it, when the network has one
    role: str = ""  # what the result says it is: "Parent", "From", "To"; else by kind

    @property
    def label(self) -> str:
        return self.role or {"tx": "Transaction", "block": "Block", "address": "Address"}[self.kind]


def _kind_and_role(item: str, key: str, owner: dict[str, Any] | None) -> tuple[str, str]:
    """What ``item`` under ``key`` of ``owner`` is, as static/js/refs.js says it: a block's
    own "hash" sits beside its parent's; "from" and "to" are a sender and a recipient."""
    if ADDRESS.match(item):
        name = key.lower()
        return "address", "From" if name in FROM_KEYS else "To" if name in TO_KEYS else ""
    if not HASH.match(item):
        return "", ""
    if PARENT_KEY.search(key):
        return "block", "Parent"
    own_block_hash = key == "hash" and owner is not None and bool(PARENT_KEYS & owner.keys())
    return ("block", "") if BLOCK_KEY.search(key) or own_block_hash else ("tx", "")


def find_refs(value: Any, network: str = "", limit: int = MAX_REFS) -> list[Ref]:
    """Full hashes and addresses in ``value``, in the order met, without repeats."""
    found: dict[str, Ref] = {}
    base = explorer_of(network)

    def walk(item: Any, key: str, owner: dict[str, Any] | None) -> None:
        if len(found) >= limit:
            return
        if isinstance(item, str):
            lower = item.lower()
            if lower in found or ZERO.match(item):
                return
            kind, role = _kind_and_role(item, key, owner)
            if kind:
                found[lower] = Ref(kind, item, f"{base}/{kind}/{item}" if base else "", role)
        elif isinstance(item, list):
            for part in item:
                walk(part, key, None)
        elif isinstance(item, dict):
            for name, part in item.items():
                walk(part, str(name), item)

    walk(value, "", None)
    return list(found.values())


def explorer_of(network: str) -> str:
    try:
        return get_network(network).explorer_url.rstrip("/") if network else ""
    except UnknownNetwork:
        return ""


def shown_messages(
    chat_session: ChatSession, upto_seq: int | None = None, as_of: datetime | None = None
) -> list[Message]:
    """The messages the chat shows, in order, tool calls prefetched (``tool_calls_in_order``).
    With ``upto_seq`` and ``as_of``: as it was then (later messages left out, and those an
    edit took out afterwards put back)."""
    rows = chat_session.messages.filter(role__in=SHOWN_ROLES)
    if as_of is None:
        rows = rows.filter(superseded_at__isnull=True)
    else:
        rows = rows.filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=as_of))
    if upto_seq is not None:
        rows = rows.filter(seq__lte=upto_seq)
    calls = ToolCall.objects.order_by("created_at", "pk")
    rows = rows.prefetch_related(Prefetch("tool_calls", queryset=calls, to_attr="calls"))
    return list(rows.order_by("seq"))


def result_payload(call: ToolCall) -> Any:
    """A stored result is {ok, text, data}: the data, as the tool card shows it."""
    result = call.result
    if isinstance(result, dict) and "data" in result:
        return result["data"]
    return result


def transaction_hashes(messages: list[Message]) -> list[dict[str, str]]:
    """Every transaction hash of the conversation (tool results, wallet outcomes), once."""
    seen: dict[str, dict[str, str]] = {}
    for message in messages:
        tx_hash = str(message.metadata.get("tx_hash") or "")
        if HASH.match(tx_hash):
            seen.setdefault(tx_hash.lower(), {"hash": tx_hash, "network": _network(message)})
        for call in getattr(message, "calls", []):
            if call.is_error:
                continue
            for ref in find_refs(result_payload(call), call.network, limit=64):
                if ref.kind == "tx":
                    seen.setdefault(ref.value.lower(), {"hash": ref.value, "network": call.network})
    return list(seen.values())


def _network(message: Message) -> str:
    return str(message.metadata.get("network") or message.chat_session.network)
