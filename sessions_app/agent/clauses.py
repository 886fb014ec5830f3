"""The message-level words of the builtin agent: where one request ends and the next begins,
which network a request names, small talk, and what no tool can do (each with the sentence
that says so). Pure functions over text and the network table; reading.py places the rest of
each request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from chatproject.lib.networks import Network

# "… and then …", "; ", ". Then", "after that": a new request, run after the one before.
SPLIT_RE = re.compile(
    r"\s*(?:;|\band\s+then\b|,\s*then\b|\bthen\b|\band\s+after\s+that\b|\bafter\s+that\b"
    r"|\bafterwards\b|\band\s+also\b|(?<=[.!?])\s+(?=\S))\s*",
    re.IGNORECASE,
)
AND_RE = re.compile(r"\s*(?:,\s*)?\band\b\s*|\s*,\s*", re.IGNORECASE)

_ON = r"(?:on|in|at|using|via|over|for|from)\s+(?:the\s+)?"
_NET_SUFFIX = r"(?:\s+(?:network|chain|mainnet|one))?"
# Chains people name that are not served here: the refusal names them. A network of the table
# is never one of these, whatever its name (network_words).
OTHER_CHAINS = (
    "sepolia", "goerli", "holesky", "optimism", "bsc", "bnb chain", "binance",
    "binance smart chain", "avalanche", "avax", "solana", "bitcoin", "btc network", "fantom",
    "gnosis", "zksync", "linea", "scroll", "celo", "tron", "cosmos", "blast", "mantle",
)  # fmt: skip


@dataclass(frozen=True)
class NetworkMention:
    name: str | None  # a name of the network table, or None for a chain not served here
    written: str
    start: int
    end: int


@dataclass(frozen=True)
class NetworkWords:
    """How messages name the networks of a table (chatproject/lib/networks.py)."""

    served: re.Pattern[str]  # a network of the table, with "on the" before it
    others: re.Pattern[str]  # a chain not served here
    names: dict[str, str]  # each way of writing a network, in lower case -> its name
    listed: str  # "testnet, mainnet, polygon, base and arbitrum"


def network_words(networks: Mapping[str, Network]) -> NetworkWords:
    """The words for the networks of ``networks``: each one's name and its other words."""
    table = tuple((n.name, n.words, n.common_word) for n in networks.values())
    return _network_words(table)


@cache
def _network_words(table: tuple[tuple[str, tuple[str, ...], bool], ...]) -> NetworkWords:
    names = {_plain(word): name for name, words, _ in table for word in (name, *words)}
    common = [name for name, _, is_common in table if is_common]
    alone = [word for name, words, _ in table for word in (name, *words) if word not in common]
    served = [rf"(?:\b{_ON})?\b(?P<name>{_one_of(alone)})\b{_NET_SUFFIX}"]
    if common:  # "on base", "base network"; never the "base" of "base fee"
        served.append(rf"\b{_ON}(?P<common>{_one_of(common)})\b{_NET_SUFFIX}")
        served.append(rf"\b(?P<common2>{_one_of(common)})\s+(?:network|chain|mainnet)\b")
    others = [c for c in OTHER_CHAINS if not any(c == w or c.startswith(w + " ") for w in names)]
    return NetworkWords(
        served=re.compile("|".join(served), re.IGNORECASE),
        others=re.compile(
            rf"\b{_ON}(?P<chain>{_one_of(others)})\b(?:\s+(?:network|chain|mainnet|testnet))?",
            re.IGNORECASE,
        ),
        names=names,
        listed=_listed(table),
    )


def _plain(written: str) -> str:
    return " ".join(written.lower().split())


def _one_of(words: list[str]) -> str:
    """A regex alternation of ``words``, longest first ("ethereum mainnet" before "ethereum");
    one that never matches when there are none."""
    spelled = [r"\s+".join(map(re.escape, word.split())) for word in words]
    return "|".join(sorted(spelled, key=len, reverse=True)) or "(?!)"


def _listed(table: tuple[tuple[str, tuple[str, ...], bool], ...]) -> str:
    names = [name for name, _, _ in table]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def split_requests(text: str) -> list[str]:
    """The requests of a message, in order; empty pieces dropped."""
    return [part.strip(" ,") for part in SPLIT_RE.split(text) if part.strip(" ,.!?")]


def split_on_and(text: str) -> list[str]:
    """ "balance of alice and block number" -> two pieces (used only when each one parses)."""
    return [part for part in AND_RE.split(text) if part.strip()]


def find_networks(text: str, networks: Mapping[str, Network]) -> list[NetworkMention]:
    """Every network the request names, served here or not, in order of appearance."""
    words = network_words(networks)
    found = []
    for match in words.served.finditer(text):
        written = next(part for part in match.groupdict().values() if part)
        name = words.names[_plain(written)]
        found.append(NetworkMention(name, match.group(0), match.start(), match.end()))
    for match in words.others.finditer(text):
        found.append(NetworkMention(None, match.group("chain"), match.start(), match.end()))
    return sorted(found, key=lambda mention: mention.start)


def other_chain_refusal(written: str, networks: Mapping[str, Network]) -> str:
    listed = network_words(networks).listed
    return f"I don't work with {written}: the networks here are {listed}."


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
            r"\b(?:euros?|eur|pounds?|gbp|yen|jpy|francs?|chf|market\s*cap)\b",
            "I can't give that ({w}): I price tokens in US dollars only, as *price of ETH*.",
        ),
        (
            r"(?:\b(?:prices?|worth|usd|dollars?|valued?)\b|\$)",
            "I can't place “{w}” in that request: I understand *price of ETH*, *quote 1 ETH to "
            "USDC* and *what is 0x…'s portfolio worth?*.",
        ),
        (
            r"\b(?:swap|swaps|trade|buy|sell|exchange|convert)\b",
            "I can't place “{w}” in that request: I understand *swap 1 ETH for USDC* (*with 1% "
            "slippage*) and *quote 1 ETH to USDC*.",
        ),
        (
            r"\b(?:bridge|stake|unstake|lend|borrow|deposit|withdraw|mint|burn|deploy|wrap"
            r"|unwrap)\b",
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


def out_of_scope(text: str) -> str | None:
    """The sentence for the first thing in ``text`` that no tool of mine can do, or None."""
    for pattern, sentence in OUT_OF_SCOPE:
        match = pattern.search(text)
        if match:
            return sentence.format(w=match.group(0))
    return None
