"""The builtin agent's reading of a message: requests -> steps (a tool plan each) or refusals.

Every word is accounted for. A request is matched against every phrasing below; the phrasing
that leaves the fewest words unplaced wins, and any word still unplaced (other than filler such
as "please" or "what is the") turns the request into a refusal that names it. Token symbols,
networks, amounts and addresses are checked here (references.py), before any tool runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from chatproject.lib.networks import Network
from chatproject.lib.tokens import networks_with, token_by_symbol, tokens_on
from sessions_app.agent import clauses
from sessions_app.agent.quoting import quoted
from sessions_app.agent.references import (
    LAST_TRANSACTION,
    UNIT_DECIMALS,
    Unusable,
    check_address,
    check_amount,
    check_hash,
    check_reference,
)

REF = r"(?:0x\w*|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+|[a-z][a-z'\u2019]*)"
SYM = r"(?:0x\w*|[a-z][\w.]*)"
LAST_TX = (
    r"(?:that|this|the\s+last|my\s+last|the\s+previous|last|previous|the|it'?s)\s+"
    r"(?:transfer|transaction|tx|txn|payment|send)"
)
NATIVE_WORDS = {"eth", "ether", "pol", "matic", "native", "money", "funds", "coins", "crypto"}
FILLER = set(
    """please pls plz can could would will you u tell show give get me what what's whats is are
    was were the a an of for now current currently right check look up lookup find fetch
    display i want to know need like see let let's lets so just kindly quickly again also do
    does did in on at with about hey hi there quick exactly details detail info information
    us we our hmm um ok okay and how it yes currently much many then first next finally
    this here thanks thank wallet account address am latest which yo""".split()
)


@dataclass
class Step:
    intent: str
    args: dict[str, Any]
    network: str
    text: str
    network_named: bool = False


@dataclass
class Reading:
    steps: list[Step] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    small_talk: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Phrasing:
    intent: str
    pattern: re.Pattern[str]
    fallback: bool = False  # only when no other phrasing matched at all


def _slot(name: str) -> str:
    """A reference slot, with the words people put before one ("the contract 0x…")."""
    return rf"(?:the\s+)?(?:(?:contract|address|account|wallet|user)\s+)?(?P<{name}>{REF})"


def _p(intent: str, pattern: str, fallback: bool = False) -> Phrasing:
    return Phrasing(intent, re.compile(pattern, re.IGNORECASE), fallback)


VERB = r"(?:send|transfer|pay|give|move)"
AMOUNT = r"(?P<amount>[-+]?(?:\d[\d.,_]*|\.\d+)|[a-z]\w*(?=\s))"
UNIT = r"(?P<unit>0x\w*|[a-z][\w.]*)"
WHO = _slot("who")
HAVE = r"(?:\s+(?:have|hold|holds|own|owns|got|has))?"
ON_TOKEN = rf"(?:\s+(?:on|for|in|of|at)\s+(?:the\s+)?(?:token\s+|contract\s+)?(?P<sym>{SYM}))?"
APPROVALS = r"(?:token\s+|live\s+|active\s+|open\s+|current\s+)?(?:approvals|allowances)\b"

PHRASINGS: tuple[Phrasing, ...] = (
    _p("help", r"^\s*(?:\?+\s*$|(?:help|commands|what\s+can\s+you\s+do|what\s+do\s+you\s+"
               r"understand|how\s+do\s+(?:i|you)\s+use\s+(?:this|you))\b)"),
    _p("send", rf"\b{VERB}\s+{AMOUNT}\s*{UNIT}?\s+(?:from\s+{_slot('sender')}\s+)?"
               rf"to\s+{_slot('to')}(?:\s+from\s+{_slot('sender2')})?"),
    _p("send", rf"\b{VERB}\s+{_slot('to')}\s+(?P<amount>[-\d.,_]+)\s*{UNIT}?"
               rf"(?:\s+from\s+{_slot('sender')})?"),
    _p("send", rf"(?P<sender>{REF})\s+(?:sends|pays|transfers|gives)\s+{AMOUNT}\s*{UNIT}?"
               rf"\s+to\s+{_slot('to')}"),
    _p("send", rf"(?P<sender>{REF})\s+(?:sends|pays|transfers|gives)\s+{_slot('to')}\s+"
               rf"(?P<amount>[-+]?(?:\d[\d.,_]*|\.\d+))\s*{UNIT}?"),
    _p("send_incomplete", rf"\b{VERB}\b", fallback=True),
    _p("approve", rf"\b(?:approve|allow)\s+{_slot('spender')}\s+to\s+(?:spend|use|move)\s+"
                  rf"{AMOUNT}\s*(?P<unit>{SYM})(?:\s+(?:tokens?\s+)?(?:of|from)\s+{_slot('owner')})?"),
    _p("approve", rf"\b(?:approve|allow)\s+{AMOUNT}\s*(?P<unit>{SYM})\s+(?:tokens?\s+)?"
                  rf"(?:for|to)\s+{_slot('spender')}(?:\s+from\s+{_slot('owner')})?"),
    _p("approve", rf"\b(?P<owner>{REF})\s+approves\s+{AMOUNT}\s*(?P<unit>{SYM})\s+(?:for|to)\s+"
                  rf"{_slot('spender')}"),
    _p("revoke", rf"\brevoke\s+(?:the\s+)?(?P<unit>{SYM})\s+(?:approval|allowance)\s+(?:of|for)\s+"
                 rf"{_slot('spender')}(?:\s+from\s+{_slot('owner')})?"),
    _p("revoke_spender", rf"\brevoke\s+{_slot('spender')}(?:\s+(?:approval|allowance|permission"
                         rf"|access))?\s+(?:on|at|in)\s+(?:the\s+)?(?:token\s+|nft\s+|collection\s+)?"
                         rf"(?P<unit>{SYM})(?:\s+(?:token\s+)?\#\s*(?P<token_id>\d+))?"
                         rf"(?:\s+from\s+{_slot('owner')})?"),
    _p("approvals", rf"\bwhat\s+(?:have|has|did)\s+{WHO}\s+approved?\b{ON_TOKEN}"),
    _p("approvals", rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+{APPROVALS}{ON_TOKEN}"),
    _p("approvals", rf"\b{APPROVALS}\s+(?:of|for|by|from|granted\s+by|given\s+by)\s+{WHO}"
                    rf"{ON_TOKEN}"),
    _p("allowance", rf"\ballowance\s+(?:of|for)\s+{_slot('spender')}\s+(?:for|on|in|of)\s+"
                    rf"(?:the\s+)?(?:token\s+)?(?P<sym>{SYM})\s+(?:from|by|of)\s+{_slot('owner')}"),
    _p("allowance", rf"\b(?P<sym>{SYM})\s+allowance\s+(?:of|from|by)\s+{_slot('owner')}\s+"
                    rf"(?:for|to)\s+{_slot('spender')}"),
    _p("allowance", rf"\bhow\s+much\s+(?P<sym>{SYM})\s+(?:can|may)\s+{_slot('spender')}\s+"
                    rf"spend\s+(?:of|from|for)\s+{_slot('owner')}"),
    _p("transfers", rf"\b(?:recent\s+|last\s+|latest\s+)?(?:token\s+|(?P<sym>{SYM})\s+)?"
                    rf"transfers\s+(?:of|for|by|to|from|involving)\s+{WHO}"
                    rf"(?:\s+(?:in|of|for)\s+(?:the\s+)?(?:token\s+)?(?P<sym2>{SYM}))?"),
    _p("transfers", rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+(?:recent\s+)?(?:token\s+)?transfers\b"),
    _p("nfts", rf"\b(?:which|what)\s+nfts?\s+(?:does|do|did)\s+{WHO}\s+(?:own|have|hold)\b"
               rf"(?:\s+(?:in|of|at|from)\s+{_slot('contract')})?"),
    _p("nfts", rf"\bnfts?\s+(?:of|owned\s+by|held\s+by|for)\s+{WHO}"
               rf"(?:\s+(?:in|of|at|from)\s+{_slot('contract')})?"),
    _p("nfts", rf"(?P<who>{REF})(?:'s|\u2019s|s')\s+nfts?\b"
               rf"(?:\s+(?:in|of|at|from)\s+{_slot('contract')})?"),
    _p("nft_owner", rf"\b(?:owner|holder)\s+of\s+(?:nft\s+|token\s+)?(?:id\s+)?\#?(?P<token_id>\d+)"
                    rf"\s+(?:of|in|at|on)\s+{_slot('contract')}"),
    _p("nft_owner", rf"\bwho\s+(?:owns|holds)\s+(?:nft\s+|token\s+)?(?:id\s+)?\#?(?P<token_id>\d+)"
                    rf"\s+(?:of|in|at|on)\s+{_slot('contract')}"),
    _p("portfolio", rf"\b(?:portfolio|holdings|all\s+balances)\s+(?:of|for)\s+{WHO}"),
    _p("portfolio", rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+(?:portfolio|holdings)\b"),
    _p("sign", rf"\bsign\s+(?:the\s+)?(?:message\s+|text\s+)?[\"'\u201c\u2018]"
               rf"(?P<message>[^\"\u201d\u2019]+?)[\"'\u201d\u2019](?:\s+(?:as|from|with|by|using)\s+{_slot('sender')}(?:'s\s+key)?)?"),

    _p("call", rf"\bcall\s+(?P<signature>\w+\([^()]*\)(?:\s*(?:returns\s*)?\([^()]*\))?)\s+"
               rf"(?:on|at)\s+{_slot('who')}(?:\s+with\s+(?:args?\s+)?(?P<args>.+?))?\s*$"),
    _p("receipt", r"\breceipt\s+(?:for\s+|of\s+)?(?:(?:the\s+)?(?:transaction|tx|txn)\s+)?"
                  r"(?:hash\s+)?(?P<hash>0x\w+)"),
    _p("receipt", r"(?P<hash>0x\w+)(?:'s)?\s+receipt\b"),
    _p("receipt", rf"\b(?:its|the|that|this)\s+receipt\b(?:\s+(?:of|for)\s+{LAST_TX})?"),
    _p("receipt", rf"\breceipt\s+(?:of|for)\s+{LAST_TX}"),
    _p("receipt", rf"\bdid\s+(?:it|that|{LAST_TX})\s+(?:succeed|work|go\s+through|get\s+mined"
                  rf"|confirm|fail)\b|\b(?:status|result)\s+of\s+{LAST_TX}|\bwas\s+(?:it|{LAST_TX})"
                  rf"\s+(?:mined|successful|confirmed)"),
    _p("transaction", r"\b(?:transaction|tx|txn)\s+(?:hash\s+)?(?P<hash>0x\w+)"),
    _p("transaction", r"(?P<hash>0x[0-9a-f]{64})\b"),
    _p("transaction", rf"\b{LAST_TX}\b"),
    _p("token_balance", rf"\b(?:token\s+)?balance\s+(?:of|for)\s+{WHO}\s+(?:in|for|of|at)\s+"
                        rf"(?:(?:the\s+)?token\s+)?(?P<sym>{SYM})"),
    _p("balance", rf"\bbalances?\s+(?:of|for)\s+{WHO}"),
    _p("balance", rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+balance\b"),
    _p("balance", rf"\b(?P<sym>{SYM})\s+balance\s+(?:of|for)\s+{WHO}"),
    _p("balance", rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+(?P<sym>{SYM})\s+balance\b"),
    _p("balance", rf"\bhow\s+much\s+(?:(?P<sym>{SYM})\s+)?(?:does|do|did|has|have)\s+{WHO}{HAVE}"),
    _p("balance", rf"\bhow\s+many\s+(?P<sym>{SYM})\s+(?:tokens\s+)?(?:does|do|has|have)\s+"
                  rf"{WHO}{HAVE}"),
    _p("balance", rf"\bhow\s+much\s+(?P<sym>{SYM})\s+(?P<who>{REF})\s+(?:has|holds|owns|got)\b"),
    _p("balance", rf"\bwhat\s+does\s+{WHO}\s+(?:have|hold|own)\b"),
    _p("balance", rf"\bbalances?\s*:?\s+(?P<who>{REF})"),
    _p("balance", rf"\bhow\s+much\s+(?:(?P<sym>{SYM})\s+)?(?:has|have)\s+{WHO}\s+(?:got|gotten)\b"),
    _p("balance", rf"\bin\s+(?P<who>{REF})(?:'s|\u2019s|s')?\s+wallet\b"),
    _p("token_info", rf"\btoken\s+(?:info|information|details|data)\s+(?:for\s+|of\s+|about\s+"
                     rf"|on\s+)?(?P<sym>{SYM})"),
    _p("token_info", rf"\b(?:what|which)\s+token\s+is\s+(?P<sym>{SYM})"),
    _p("token_info", rf"\b(?:info|information|details|decimals|total\s+supply|supply)\s+"
                     rf"(?:about|on|for|of)\s+(?:the\s+)?(?:token\s+)?(?P<sym>{SYM})(?:\s+token)?"),
    _p("token_info", rf"\btell\s+me\s+about\s+(?:the\s+)?(?:token\s+)?(?P<sym>{SYM})(?:\s+token)?"),
    _p("code", rf"\b(?:code|bytecode)\s+(?:at|of|for)\s+{WHO}"),
    _p("code", rf"\bis\s+{WHO}\s+a\s+(?:smart\s+)?contract\b"),
    _p("code", rf"\bdeployed\s+(?:at|to)\s+{WHO}"),
    _p("block", r"\bblock\s+(?:number\s+|no\.?\s*|\#\s*)?(?P<number>\d+)\b"),
    _p("latest_block", r"\b(?:latest|last|newest|most\s+recent)\s+block\b(?!\s+(?:number|height))"),
    _p("block_number", r"\bblock\s*(?:number|height)\b|\bcurrent\s+block\b|\bwhat\s+block\b"
                       r"|\bchain\s+height\b|\bhow\s+many\s+blocks\b"),
    _p("gas_price", r"\bgas\s+(?:price|prices|cost|fee|fees)\b|\bhow\s+much\s+is\s+gas\b"
                    r"|\bprice\s+of\s+gas\b|\bhow\s+(?:expensive|high|cheap)\s+is\s+gas\b|\bbase\s+fee\b"),
    _p("gas_price", r"\bgas\b"),
    _p("network_info", r"\bnetwork\s+(?:info|information|details|status)\b"
                       r"|\b(?:which|what)\s+(?:network|chain)\b|\bchain\s*id\b"),
)  # fmt: skip

AT_BLOCK_RE = re.compile(
    r"\b(?:at|in|as\s+of|on)\s+(?:the\s+)?block\s+(?:number\s+|no\.?\s*|\#\s*)?(?P<number>\d+)\b",
    re.IGNORECASE,
)
AT_BLOCK_INTENTS = {"balance", "token_balance", "code", "call"}
IN_WEI_RE = re.compile(r"\s+in\s+wei\b", re.IGNORECASE)  # amounts are said in wei only when asked
NATIVE_UNITS = {"eth": "ETH", "ether": "ETH", "pol": "POL", "matic": "POL"}


def read(
    text: str,
    selected: str,
    networks: Mapping[str, Network],
    unusable: Mapping[str, str] | None = None,
) -> Reading:
    """The steps and refusals of a whole message, in order. ``unusable``: the networks that
    cannot be used now, each with why in words for people (mcp_proxy/availability.py)."""
    whole = clauses.small_talk(text)  # "hi! how are you?" gets one answer, not two
    if whole is not None:
        return Reading(small_talk=[whole])
    reading = Reading()
    requests = clauses.split_requests(text) or [text.strip()]
    default, named = selected, False
    for mention in (m for r in requests for m in clauses.find_networks(r)):
        if mention.name is not None and mention.name in networks:
            default, named = mention.name, True
            break
    for request in requests:
        _read_request(request, default, named, networks, unusable or {}, reading)
    return reading


def _read_request(
    request: str,
    default: str,
    named: bool,
    networks: Mapping[str, Network],
    unusable: Mapping[str, str],
    reading: Reading,
) -> None:
    answer = clauses.small_talk(request)
    if answer is not None:
        reading.small_talk.append(answer)
        return
    try:
        network, named, rest = _network_of(request, default, named, networks)
    except Unusable as exc:
        reading.refusals.append(str(exc))
        return
    if network in unusable:
        reading.refusals.append(
            f"{network} is not available here ({unusable[network]}), so I did nothing on it."
        )
        return
    outcome = _steps_of(rest, request, networks[network], named)
    if isinstance(outcome, str):
        reading.refusals.append(outcome)
    else:
        reading.steps.extend(outcome)


def _steps_of(rest: str, request: str, network: Network, named: bool) -> list[Step] | str:
    """The request as one step, or as several ("… and …"), or the sentence refusing it."""
    rest, at_block = _cut(AT_BLOCK_RE, rest)
    rest, in_wei = _cut(IN_WEI_RE, rest)
    outcome = _parse_request(rest, request, network, named)
    steps = [outcome] if isinstance(outcome, Step) else _read_pieces(rest, network, named)
    if steps is None:
        return str(outcome)
    placed: list[Step | str] = list(steps)
    if at_block is not None:
        placed = [_at_block(step, at_block) if isinstance(step, Step) else step for step in placed]
    if in_wei is not None:
        placed = [_in_wei(step) if isinstance(step, Step) else step for step in placed]
    refused = [item for item in placed if isinstance(item, str)]
    return refused[0] if refused else [item for item in placed if isinstance(item, Step)]


def _cut(pattern: re.Pattern[str], text: str) -> tuple[str, re.Match[str] | None]:
    """The text without the pattern's first match, and the match."""
    match = pattern.search(text)
    if match is None:
        return text, None
    return text[: match.start()] + " " + text[match.end() :], match


def _in_wei(step: Step) -> Step | str:
    """ "balance of alice in wei": answers give amounts formatted; the wei only when asked."""
    if step.intent not in ("balance", "token_balance") or "token" in step.args:
        return f"I can't place “in wei” in “{quoted(step.text)}”: I give only a balance in wei."
    return replace(step, args={**step.args, "in_wei": True})


def _at_block(step: Step, match: re.Match[str]) -> Step | str:
    """ "… at block 5": the tools that read state take a block; the others can't place it."""
    if step.intent not in AT_BLOCK_INTENTS:
        at, request = quoted(match.group(0)), quoted(step.text)
        return f"I can't place “{at}” in “{request}”: that takes no block."
    return replace(step, args={**step.args, "block": int(match.group("number"))})


def _network_of(
    request: str, default: str, named: bool, networks: Mapping[str, Network]
) -> tuple[str, bool, str]:
    """The request's network (its own mention, else the message's) and its text without it."""
    mentions = clauses.find_networks(request)
    for mention in mentions:
        if mention.name is None or mention.name not in networks:
            raise Unusable(clauses.other_chain_refusal(mention.written))
    names = sorted({m.name for m in mentions if m.name})
    if len(names) > 1:
        raise Unusable(
            f"You named {' and '.join(names)} in one request; I run each request on one "
            "network, so ask once per network."
        )
    rest = request
    for mention in reversed(mentions):
        rest = rest[: mention.start] + " " + rest[mention.end :]
    if names:
        return names[0], True, rest
    return default, named, rest


def _read_pieces(text: str, network: Network, named: bool) -> list[Step] | None:
    """ "balance of alice and bob", "block number and gas price": each piece a step, or None."""
    pieces = clauses.split_on_and(text)
    if len(pieces) < 2:
        return None
    steps: list[Step] = []
    for piece in pieces:
        outcome: Step | str | None = _parse_request(piece, piece, network, named)
        if isinstance(outcome, str) and steps and "who" in steps[-1].args:
            outcome = _same_for(steps[-1], piece, network)
        if not isinstance(outcome, Step):
            return None
        steps.append(outcome)
    return steps


def _same_for(previous: Step, piece: str, network: Network) -> Step | None:
    """ "… of alice and bob": the previous request again, for another address."""
    word = piece.strip(" ?!.")
    if not re.fullmatch(REF, word, re.IGNORECASE):
        return None
    try:
        who = check_reference(word, network.dev, network.name)
    except Unusable:
        return None
    return replace(previous, args={**previous.args, "who": who}, text=piece)


def _parse_request(text: str, written: str, network: Network, named: bool) -> Step | str:
    """The best phrasing's step, or the sentence refusing the request."""
    best = _best_phrasing(text, written, network, named, fallback=False)
    best = best or _best_phrasing(text, written, network, named, fallback=True)
    if best is None:
        return clauses.out_of_scope(text) or not_understood(written)
    _, outcome, unplaced = best
    if unplaced:
        return _unplaced_refusal(" ".join(unplaced), written)
    return outcome


Ranked = tuple[tuple[int, bool, int], Step | str, list[str]]


def _best_phrasing(
    text: str, written: str, network: Network, named: bool, fallback: bool
) -> Ranked | None:
    """The phrasing leaving the fewest words unplaced (then: valid, then: listed first)."""
    best: Ranked | None = None
    starts = [word.start() for word in re.finditer(r"\S+", text)]
    for order, phrasing in enumerate(PHRASINGS):
        if phrasing.fallback != fallback:
            continue
        # Matched from every word: "current block height" is "block height", not "current block".
        for match in filter(None, (phrasing.pattern.match(text, start) for start in starts)):
            unplaced = unplaced_words(text[: match.start()] + " " + text[match.end() :])
            outcome = _build(phrasing.intent, match, network, named, written)
            rank = (len(unplaced), isinstance(outcome, str), order)
            if best is None or rank < best[0]:
                best = (rank, outcome, unplaced)
    return best


def _unplaced_refusal(words: str, written: str) -> str:
    specific = clauses.out_of_scope(words) or _symbol_refusal(words)
    if specific:
        return specific
    return (
        f"I did not understand “{quoted(words)}” in “{quoted(written)}”, so I did not act on it. "
        "Type **help** for the phrasings I understand."
    )


def _symbol_refusal(words: str) -> str | None:
    for word in words.split():
        if networks_with(word):
            return f"I can't place the token {word.upper()} in that request."
    return None


def not_understood(written: str) -> str:
    return (
        f"Sorry, I did not understand “{quoted(written)}”. I am the builtin agent and only "
        "understand a few phrasings; type **help** to see them."
    )


def unplaced_words(text: str) -> list[str]:
    words = (w.strip(".'\u2019-").lower() for w in re.findall(r"\$|[\w'\u2019.-]+", text))
    return [w for w in words if w and w not in FILLER]


def _build(
    intent: str, match: re.Match[str], net: Network, named: bool, written: str
) -> Step | str:
    parts = {k: v for k, v in match.groupdict().items() if v is not None}
    try:
        args = BUILDERS.get(intent, lambda p, n: dict(p))(parts, net)
    except Unusable as exc:
        return str(exc)
    return Step(intent, args, net.name, written.strip(), named)


def _who(parts: dict[str, str], net: Network, key: str = "who") -> str:
    return check_reference(parts[key], net.dev, net.name)


def _token(symbol: str, net: Network) -> str:
    """A token's address on ``net`` from its symbol (or its 0x address)."""
    if symbol.lower().startswith("0x"):
        return check_address(symbol)
    priced = clauses.out_of_scope(symbol)
    if priced:
        return _raise(priced)
    token = token_by_symbol(net.name, symbol)
    if token is not None:
        return token.address
    elsewhere = networks_with(symbol)
    if net.dev:
        return _raise(
            f"{symbol.upper()} has no known address on {net.name}: tokens there are contracts "
            "deployed on that chain, so name the token by its 0x address."
        )
    known = ", ".join(t.symbol for t in tokens_on(net.name))
    hint = f" ({symbol.upper()} is known on {', '.join(elsewhere)})" if elsewhere else ""
    return _raise(
        f"I don't know the address of a token called {symbol.upper()} on {net.name}{hint}. "
        f"The tokens I know there are {known}; or name the token by its 0x address."
    )


def _raise(sentence: str) -> NoReturn:
    raise Unusable(sentence)


def _balance(parts: dict[str, str], net: Network) -> dict[str, Any]:
    symbol = parts.get("sym", "")
    if not symbol or symbol.lower() in NATIVE_WORDS:
        return {"who": _who(parts, net)}
    return {"who": _who(parts, net), "token": _token(symbol, net), "symbol": symbol.upper()}


def _send(parts: dict[str, str], net: Network) -> dict[str, Any]:
    unit = (parts.get("unit") or "").lower()
    if not unit and parts["amount"].lower() in {*UNIT_DECIMALS, *NATIVE_WORDS}:
        _incomplete_send(parts, net)
    if unit and unit not in UNIT_DECIMALS:
        return _token_send(parts, net)
    currency = NATIVE_UNITS.get(unit, net.currency)
    if currency != net.currency:
        return _raise(
            f"The native currency of {net.name} is {net.currency}, not {unit.upper()}; "
            f"{unit.upper()} is not a token I know there."
        )
    amount = check_amount(parts["amount"], unit or "eth")
    return {"amount": amount, "to": _who(parts, net, "to"), "sender": _sender(parts, net)}


def _incomplete_send(parts: dict[str, str], net: Network) -> NoReturn:
    example = "send 1 ETH from alice to bob" if net.dev else f"send 0.1 {net.currency} to 0x…"
    _raise(f"Say how much to send and to whom, e.g. *{example}*.")


def _tx(parts: dict[str, str], net: Network) -> dict[str, Any]:
    written = parts.get("hash")
    return {"tx_hash": check_hash(written) if written else LAST_TRANSACTION}


def _call(parts: dict[str, str], net: Network) -> dict[str, Any]:
    return {
        "address": _who(parts, net),
        "signature": parts["signature"],
        "args": split_call_args(parts.get("args")),
    }


def _sender(parts: dict[str, str], net: Network) -> str:
    sender = parts.get("sender") or parts.get("sender2")
    if parts.get("sender") and parts.get("sender2"):
        _raise(f"You named two senders ({parts['sender']} and {parts['sender2']}); name one.")
    return check_reference(sender, net.dev, net.name) if sender else ""


def _token_amount(text: str, symbol: str, unlimited: bool = False) -> str:
    """A token amount in token units ("1.5"); the tool checks it against the token's decimals."""
    if unlimited and text.lower() in {"unlimited", "infinite", "max", "maximum"}:
        return "unlimited"
    try:
        return check_amount(text, "eth").text
    except Unusable as exc:
        message = str(exc)
        if "too many decimals" not in message:
            raise
        return _raise(f"The amount {text} {symbol.upper()} has too many decimals.")


def _token_send(parts: dict[str, str], net: Network) -> dict[str, Any]:
    """ "send 5 USDC to bob": an ERC-20 transfer, the token named by symbol or 0x address."""
    unit = parts["unit"]
    return {
        "token": _token(unit, net),
        "symbol": unit if unit.lower().startswith("0x") else unit.upper(),
        "token_amount": _token_amount(parts["amount"], unit),
        "to": _who(parts, net, "to"),
        "sender": _sender(parts, net),
    }


def _approve(parts: dict[str, str], net: Network) -> dict[str, Any]:
    unit = parts["unit"]
    amount = parts.get("amount", "0")
    return {
        "token": _token(unit, net),
        "symbol": unit if unit.lower().startswith("0x") else unit.upper(),
        "token_amount": "0" if amount == "0" else _token_amount(amount, unit, unlimited=True),
        "spender": _who(parts, net, "spender"),
        "sender": check_reference(parts["owner"], net.dev, net.name) if "owner" in parts else "",
    }


def _revoke_spender(parts: dict[str, str], net: Network) -> dict[str, Any]:
    """ "revoke bob on 0x…token": an ERC-20 allowance or NFT operator taken back (an ERC-721
    single-token approval with "#5")."""
    unit = parts["unit"]
    token_id = {"token_id": int(parts["token_id"])} if "token_id" in parts else {}
    return {
        "token": _token(unit, net),
        "symbol": unit if unit.lower().startswith("0x") else unit.upper(),
        "spender": _who(parts, net, "spender"),
        "sender": check_reference(parts["owner"], net.dev, net.name) if "owner" in parts else "",
        **token_id,
    }


def _approvals(parts: dict[str, str], net: Network) -> dict[str, Any]:
    symbol = parts.get("sym")
    return {"who": _who(parts, net), **({"token": _token(symbol, net)} if symbol else {})}


def _allowance(parts: dict[str, str], net: Network) -> dict[str, Any]:
    return {
        "token": _token(parts["sym"], net),
        "owner": _who(parts, net, "owner"),
        "spender": _who(parts, net, "spender"),
    }


def _transfers(parts: dict[str, str], net: Network) -> dict[str, Any]:
    symbol = parts.get("sym") or parts.get("sym2")
    if parts.get("sym") and parts.get("sym2"):
        _raise(f"You named two tokens ({parts['sym']} and {parts['sym2']}); name one.")
    token = {"token": _token(symbol, net)} if symbol and symbol.lower() != "token" else {}
    return {"who": _who(parts, net), **token}


def _nfts(parts: dict[str, str], net: Network) -> dict[str, Any]:
    """With a contract: the balance there; without: NFTs received lately (builtin._nfts)."""
    who = _who(parts, net)
    if "contract" not in parts:
        return {"who": who}
    return {"who": who, "contract": check_address(parts["contract"])}


def _sign(parts: dict[str, str], net: Network) -> dict[str, Any]:
    return {"message": parts["message"], "sender": _sender(parts, net)}


BUILDERS: dict[str, Callable[[dict[str, str], Network], dict[str, Any]]] = {
    "send": _send,
    "send_incomplete": _incomplete_send,
    "balance": _balance,
    "token_balance": _balance,
    "token_info": lambda parts, net: {"token": _token(parts["sym"], net)},
    "code": lambda parts, net: {"who": _who(parts, net)},
    "receipt": _tx,
    "transaction": _tx,
    "call": _call,
    "block": lambda parts, net: {"number": int(parts["number"])},
    "approve": _approve,
    "revoke": _approve,
    "revoke_spender": _revoke_spender,
    "approvals": _approvals,
    "allowance": _allowance,
    "transfers": _transfers,
    "nfts": _nfts,
    "nft_owner": lambda parts, net: {
        "contract": check_address(parts["contract"]),
        "token_id": int(parts["token_id"]),
    },
    "portfolio": lambda parts, net: {
        "who": _who(parts, net),
        "tokens": [token.address for token in tokens_on(net.name)],
    },
    "sign": _sign,
}


def split_call_args(text: str | None) -> list[str]:
    """`with 0xabc, 5` or `with 0xabc and 5` -> ["0xabc", "5"]."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if part.strip()]
