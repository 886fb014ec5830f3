"""The message-level words of the builtin agent: where one request ends and the next begins,
which network a request names, small talk, and what no tool can do (each with the sentence
that says so). Pure functions over text; intents.py places the rest of each request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatproject.lib.networks import TABLE

_NAMES = [row.name for row in TABLE]
NETWORK_LIST = ", ".join(_NAMES[:-1]) + " and " + _NAMES[-1]

# "… and then …", "; ", ". Then", "after that": a new request, run after the one before.
SPLIT_RE = re.compile(
    r"\s*(?:;|\band\s+then\b|,\s*then\b|\bthen\b|\band\s+after\s+that\b|\bafter\s+that\b"
    r"|\bafterwards\b|\band\s+also\b|(?<=[.!?])\s+(?=\S))\s*",
    re.IGNORECASE,
)
AND_RE = re.compile(r"\s*(?:,\s*)?\band\b\s*|\s*,\s*", re.IGNORECASE)

_ON = r"(?:on|in|at|using|via|over|for|from)\s+(?:the\s+)?"
_NET_SUFFIX = r"(?:\s+(?:network|chain|mainnet|one))?"
NETWORK_RE = re.compile(
    rf"(?:\b{_ON})?\b(?P<name>mainnet|ethereum(?:\s+mainnet)?|eth\s+mainnet|polygon(?:\s+pos)?"
    rf"|arbitrum|testnet|anvil|local\s+(?:testnet|chain|node))\b{_NET_SUFFIX}"
    rf"|\b{_ON}(?P<base>base)\b{_NET_SUFFIX}|\b(?P<base2>base)\s+(?:network|chain|mainnet)\b",
    re.IGNORECASE,
)
NETWORK_ALIASES = {"ethereum": "mainnet", "eth": "mainnet", "anvil": "testnet", "local": "testnet"}
OTHER_CHAIN_RE = re.compile(
    rf"\b{_ON}(?P<chain>sepolia|goerli|holesky|optimism|bsc|bnb\s+chain|binance(?:\s+smart\s+chain)?"
    r"|avalanche|avax|solana|bitcoin|btc\s+network|fantom|gnosis|zksync|linea|scroll|celo"
    r"|tron|cosmos|blast|mantle)\b(?:\s+(?:network|chain|mainnet|testnet))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NetworkMention:
    name: str | None  # a name of the network table, or None for a chain not served here
    written: str
    start: int
    end: int


def split_requests(text: str) -> list[str]:
    """The requests of a message, in order; empty pieces dropped."""
    return [part.strip(" ,") for part in SPLIT_RE.split(text) if part.strip(" ,.!?")]


def split_on_and(text: str) -> list[str]:
    """ "balance of alice and block number" -> two pieces (used only when each one parses)."""
    return [part for part in AND_RE.split(text) if part.strip()]


def find_networks(text: str) -> list[NetworkMention]:
    """Every network the request names, served here or not, in order of appearance."""
    found = []
    for match in NETWORK_RE.finditer(text):
        written = match.group("name") or match.group("base") or match.group("base2")
        first = written.lower().split()[0]
        name = NETWORK_ALIASES.get(first, first)
        found.append(NetworkMention(name, match.group(0), match.start(), match.end()))
    for match in OTHER_CHAIN_RE.finditer(text):
        found.append(NetworkMention(None, match.group("chain"), match.start(), match.end()))
    return sorted(found, key=lambda mention: mention.start)


def other_chain_refusal(written: str) -> str:
    return f"I don't work with {written}: the networks here are {NETWORK_LIST}."


# Small talk: the whole request is one of these; a short, honest answer, no tool call.
_GREETING = r"(?:hi|hello|hey|yo|good\s+(?:morning|afternoon|evening)|greetings)(?:\s+there)?"
_HOW_ARE_YOU = (
    r"(?:how\s+are\s+(?:you|u|things)(?:\s+doing)?(?:\s+today)?|how(?:'s|\s+is)\s+it\s+going"
    r"|how\s+do\s+you\s+do|what'?s\s+up|sup|how'?s\s+your\s+day)"
)
SMALL_TALK: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), answer)
    for pattern, answer in (
        (
            r"^(?:ok(?:ay)?,?\s+)?(?:thanks?|thank\s+you|thx|ty|cheers|much\s+appreciated"
            r"|great,?\s+thanks?)(?:\s+(?:a\s+lot|so\s+much|very\s+much|again))?[\s!.]*$",
            "You're welcome.",
        ),
        (
            rf"^{_GREETING}[\s!.]*$",
            "Hello! Ask me about balances, blocks, transactions or tokens, or to send ETH; "
            "type **help** for the phrasings I understand.",
        ),
        (  # "hi! how are you?": one answer for the whole message (intents.read)
            rf"^{_GREETING}[\s!,.]+{_HOW_ARE_YOU}[\s?!.]*$",
            "Hello! I'm doing well, thanks. Ask me about balances, blocks, transactions or "
            "tokens; type **help** for the phrasings I understand.",
        ),
        (
            rf"^{_HOW_ARE_YOU}[\s?!.]*$",
            "I'm doing well, thanks! Ask me about balances, blocks, transactions or tokens; "
            "type **help** for the phrasings I understand.",
        ),
        (
            r"^(?:who|what)\s+are\s+you\b|^what(?:'s|\s+is)\s+your\s+name\b"
            r"|^are\s+you\s+(?:a\s+)?(?:bot|robot|human|person|real|an?\s+ai)\b",
            "I'm this chat's builtin assistant: offline and rule-based (no language model). "
            "I answer only from the tools of the network you pick (balances, blocks, "
            "transactions, tokens, sending ETH and tokens); type **help** for what I understand.",
        ),
        (
            r"^(?:bye|goodbye|see\s+you(?:\s+later)?|later|good\s+night)[\s!.]*$",
            "Goodbye!",
        ),
        (
            r"^(?:ok(?:ay)?|cool|great|nice|got\s+it|perfect|awesome|alright|sure)[\s!.]*$",
            "OK.",
        ),
    )
)


def small_talk(text: str) -> str | None:
    for pattern, answer in SMALL_TALK:
        if pattern.search(text.strip()):
            return answer
    return None


# What no tool can do (or not yet): a word found among the unplaced words of a request gets
# this sentence; {w} is the word as written.
OUT_OF_SCOPE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), sentence)
    for pattern, sentence in (
        (
            r"(?:\b(?:prices?|worth|usd|dollars?|euros?|eur|market\s*cap|valued?)\b|\$)",
            "I can't give prices or values ({w}): there is no price source among my tools.",
        ),
        (
            r"\b(?:swap|swaps|trade|buy|sell|exchange|bridge|stake|unstake|lend|borrow|"
            r"deposit|withdraw|mint|burn|deploy|wrap|unwrap|convert)\b",
            "I can't {w}: none of my tools does that.",
        ),
        (
            r"\b(?:approve|approval|approvals|allowance|allowances)\b",
            "I can't place “{w}” in that request: I understand *approve 10 USDC for 0x…spender* "
            "(or *unlimited*), *revoke USDC approval for 0x…spender*, *revoke 0x…spender on "
            "USDC*, *what have I approved?* and *allowance of 0x…spender for USDC from "
            "0x…owner*.",
        ),
        (
            r"\b(?:nfts?|erc-?721|erc-?1155|collectibles?)\b",
            "I can't place “{w}” in that request: for NFTs I understand *NFTs of alice in "
            "0x…contract* and *who owns token 5 of 0x…contract*.",
        ),
        (
            r"\b(?:logs?|events?)\b",
            "I can't read contract logs and events ({w}) myself; I can list an address's token "
            "transfers: *recent transfers of alice*.",
        ),
        (
            r"\b(?:sign|signature|signing)\b",
            "To sign a message ({w}), quote it and name the signer: "
            '*sign the message "hello" as alice*.',
        ),
        (
            r"\b(?:history|all\s+transactions|transactions\s+of|past\s+transactions)\b",
            "I can't list past transactions ({w}): no tool of mine indexes an address's history.",
        ),
        (
            r"\b(?:yesterday|today|tomorrow|tonight|ago|(?:last|next|this)\s+"
            r"(?:week|month|year|night|hour|monday|tuesday|wednesday|thursday|friday|saturday"
            r"|sunday)|\d{4}-\d{2}-\d{2}|january|february|march|april|june|july|august"
            r"|september|october|november|december)\b",
            "I can't look anything up by date ({w}): my tools read the chain now, or at a "
            "block number you give.",
        ),
        (
            r"\b(?:don'?t|do\s+not|never|cancel|undo|stop|not)\b",
            "I can't act on “{w}”: I would rather do nothing than guess what you mean.",
        ),
    )
)


PRICED_RES = (
    re.compile(
        r"\b(?:price|value|worth)\s+of\s+(?:an?\s+|one\s+|1\s+)?(?P<thing>[a-z][\w.]*)", re.I
    ),
    re.compile(r"\b(?P<thing>[a-z][\w.]*)\s+(?:price|worth|in\s+usd|in\s+dollars)\b", re.I),
    re.compile(r"\bhow\s+much\s+is\s+(?:an?\s+|one\s+|1\s+)?(?P<thing>[a-z][\w.]*)\s+worth", re.I),
)
NOT_A_THING = {"the", "a", "an", "is", "it", "of", "what", "whats", "current", "today", "in", "s"}


def out_of_scope(text: str) -> str | None:
    """The sentence for the first thing in ``text`` that no tool of mine can do, or None."""
    things = (m.group("thing") for regex in PRICED_RES for m in regex.finditer(text))
    priced = next((t for t in things if t.lower() not in NOT_A_THING), None)
    if priced and OUT_OF_SCOPE[0][0].search(text):
        return f"I can't price {priced.upper()}: there is no price source among my tools."
    for pattern, sentence in OUT_OF_SCOPE:
        match = pattern.search(text)
        if match:
            return sentence.format(w=match.group(0))
    return None
