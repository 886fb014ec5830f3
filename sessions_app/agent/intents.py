"""The builtin agent's phrasebook: plain-English requests -> tool plans. All regexes live here.

A reference (REF) is a 0x address, an ENS name (name.eth) or a named dev account (alice, ...);
the MCP server resolves it, so this module only recognises its shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

REF = r"(?:0x[0-9a-fA-F]{40}|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+|[a-z]+)"
HASH = r"0x[0-9a-fA-F]{64}"
AMOUNT = r"(?P<amount>\d+(?:\.\d+)?|\.\d+)"
UNIT = r"(?P<unit>eth|ether|wei|gwei|pol|matic)"
FILLER_WORDS = {"the", "my", "a", "an", "is", "of", "for", "in", "on", "at", "to", "me"}


@dataclass
class Intent:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


# Order matters: the first matching pattern wins; specific phrasings come before general ones.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "help",
        _compile(
            r"^\s*(?:help\b|\?\s*$|what\s+can\s+you\s+do|commands\b"
            r"|what\s+do\s+you\s+understand)"
        ),
    ),
    (
        "send",
        _compile(
            rf"\b(?:send|transfer|pay)\s+{AMOUNT}\s*{UNIT}?\s+"
            rf"(?:from\s+(?P<sender>{REF})\s+)?to\s+(?P<to>{REF})(?:\s+from\s+(?P<sender2>{REF}))?"
        ),
    ),
    (
        "call",
        _compile(
            rf"\bcall\s+(?P<signature>\w+\([^()]*\)(?:\s*(?:returns\s*)?\([^()]*\))?)\s+"
            rf"(?:on|at)\s+(?P<address>{REF})(?:\s+with\s+(?:args?\s+)?(?P<args>.+?))?\s*$"
        ),
    ),
    ("receipt", _compile(rf"\breceipt\b.*?(?P<tx_hash>{HASH})|(?P<tx_hash2>{HASH}).*?\breceipt\b")),
    ("transaction", _compile(rf"(?P<tx_hash>{HASH})")),
    (
        "token_balance",
        _compile(
            rf"\btoken\s+balance\s+of\s+(?P<holder>{REF})\s+(?:for|in|on|of|at)\s+(?:token\s+)?(?P<token>{REF})"
            rf"|\bbalance\s+of\s+(?P<holder2>{REF})\s+in\s+(?:token\s+)?(?P<token2>{REF})"
            rf"|\bhow\s+many\s+(?:of\s+)?(?:token\s+)?(?P<token3>{REF})\s+(?:tokens\s+)?does\s+"
            rf"(?P<holder3>{REF})\s+(?:have|hold|own)"
        ),
    ),
    (
        "token_info",
        _compile(
            rf"\btoken\s+(?:info|information|details)\s+(?:for\s+|of\s+|about\s+|on\s+)?(?P<token>{REF})"
            rf"|\b(?:what|which)\s+token\s+is\s+(?P<token2>{REF})"
            rf"|\b(?:info|information|details)\s+(?:about|on|for)\s+token\s+(?P<token3>{REF})"
        ),
    ),
    (
        "code",
        _compile(
            rf"\b(?:code|bytecode)\s+(?:at|of|for)\s+(?P<address>{REF})"
            rf"|\bis\s+(?P<address2>{REF})\s+a\s+(?:smart\s+)?contract"
        ),
    ),
    (
        "balance",
        _compile(
            rf"\bbalance\s+(?:of|for)\s+(?P<address>{REF})"
            rf"|\b(?P<address2>{REF})(?:'s|s')\s+balance"
            rf"|\bhow\s+much\s+(?:eth|ether|pol|matic|money|funds)?\s*(?:does|has)\s+(?P<address3>{REF})(?:\s+(?:have|got|hold))?"
            rf"|\bbalance\s+(?P<address4>0x[0-9a-fA-F]{{40}})"
        ),
    ),
    (
        "my_balance",
        _compile(
            r"\bmy\s+(?:wallet'?s?\s+)?balance\b|\bbalance\s+of\s+my\s+wallet\b"
            r"|\bhow\s+much\s+(?:eth|ether|pol|matic|money)?\s*do\s+i\s+have\b"
        ),
    ),
    ("block", _compile(r"\bblock\s+(?:number\s+|no\.?\s*|\#\s*)?(?P<number>\d+)\b")),
    ("latest_block", _compile(r"\b(?:latest|last|newest|most\s+recent)\s+block\b(?!\s+number)")),
    (
        "block_number",
        _compile(
            r"\bblock\s*(?:number|height)\b|\bcurrent\s+block\b|\bwhat\s+block\b|\bchain\s+height\b"
        ),
    ),
    ("gas_price", _compile(r"\bgas\s+(?:price|prices|cost|fee|fees)\b|\bhow\s+much\s+is\s+gas\b")),
    (
        "network_info",
        _compile(
            r"\bnetwork\s+(?:info|information|details|status)\b|\b(?:which|what)\s+(?:network|chain)\b"
            r"|\bchain\s*id\b"
        ),
    ),
]


def parse(text: str) -> Intent | None:
    """The first intent whose pattern matches, with its named parts; None when none matches."""
    for name, pattern in PATTERNS:
        match = pattern.search(text.strip())
        if match is None:
            continue
        parts = _merge_alternatives(match.groupdict())
        if _refers_to_filler(parts):
            continue
        return Intent(name, parts)
    return None


def _merge_alternatives(groups: dict[str, str | None]) -> dict[str, Any]:
    """`address2`, `address3`... are the same part in other phrasings: keep one `address`."""
    merged: dict[str, Any] = {}
    for key, value in groups.items():
        base = key.rstrip("0123456789")
        if value is not None and base not in merged:
            merged[base] = value
    return merged


def _refers_to_filler(parts: dict[str, Any]) -> bool:
    references = ("address", "holder", "token", "to", "sender")
    return any(
        str(parts.get(key, "")).lower() in FILLER_WORDS for key in references if key in parts
    )


def split_call_args(text: str | None) -> list[str]:
    """`with 0xabc, 5` or `with 0xabc and 5` -> ["0xabc", "5"]."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if part.strip()]
