"""The builtin agent's reading of a message: requests -> steps (one intent each) or refusals.

Every word is accounted for. A request is matched against every phrasing of every intent
(intents.INTENTS); the phrasing that leaves the fewest words unplaced wins, and any word still
unplaced (other than filler such as "please" or "what is the") turns the request into a refusal
that names it. Token symbols, networks, amounts and addresses are checked here (arguments.py,
references.py), before any tool runs. A pure function of the text, the selected network, the
network table and which networks cannot be used now (their MCP servers' health, which the
caller reads: builtin.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from chatproject.lib.networks import Network
from chatproject.lib.tokens import networks_with
from sessions_app.agent import clauses
from sessions_app.agent.arguments import Step
from sessions_app.agent.intents import BY_NAME, INTENTS, REF, Intent
from sessions_app.agent.quoting import quoted
from sessions_app.agent.references import Unusable, check_reference

FILLER = set(
    """please pls plz can could would will you u tell show give get me what what's whats is are
    was were the a an of for now current currently right check look up lookup find fetch
    display i want to know need like see let let's lets so just kindly quickly again also do
    does did in on at with about hey hi there quick exactly details detail info information
    us we our hmm um ok okay and how it yes currently much many then first next finally
    this here thanks thank wallet account address am latest which yo""".split()
)
# Every phrasing with its intent, in the registry's order (the last tie-break).
PHRASINGS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, pattern) for intent in INTENTS for pattern in intent.patterns
)
AT_BLOCK_RE = re.compile(
    r"\b(?:at|in|as\s+of|on)\s+(?:the\s+)?block\s+(?:number\s+|no\.?\s*|\#\s*)?(?P<number>\d+)\b",
    re.IGNORECASE,
)
IN_WEI_RE = re.compile(r"\s+in\s+wei\b", re.IGNORECASE)  # amounts are said in wei only when asked


@dataclass
class Reading:
    steps: list[Step] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    small_talk: list[str] = field(default_factory=list)


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
    for mention in (m for r in requests for m in clauses.find_networks(r, networks)):
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
    if not BY_NAME[step.intent].in_wei or "token" in step.args:
        return f"I can't place “in wei” in “{quoted(step.text)}”: I give only a balance in wei."
    return replace(step, args={**step.args, "in_wei": True})


def _at_block(step: Step, match: re.Match[str]) -> Step | str:
    """ "… at block 5": the tools that read state take a block; the others can't place it."""
    if not BY_NAME[step.intent].at_block:
        at, request = quoted(match.group(0)), quoted(step.text)
        return f"I can't place “{at}” in “{request}”: that takes no block."
    return replace(step, args={**step.args, "block": int(match.group("number"))})


def _network_of(
    request: str, default: str, named: bool, networks: Mapping[str, Network]
) -> tuple[str, bool, str]:
    """The request's network (its own mention, else the message's) and its text without it."""
    mentions = clauses.find_networks(request, networks)
    for mention in mentions:
        if mention.name is None or mention.name not in networks:
            raise Unusable(clauses.other_chain_refusal(mention.written, networks))
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
    for order, (intent, pattern) in enumerate(PHRASINGS):
        if intent.fallback != fallback:
            continue
        # Matched from every word: "current block height" is "block height", not "current block".
        for match in filter(None, (pattern.match(text, start) for start in starts)):
            unplaced = unplaced_words(text[: match.start()] + " " + text[match.end() :])
            outcome = _build(intent, match, network, named, written)
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
    intent: Intent, match: re.Match[str], net: Network, named: bool, written: str
) -> Step | str:
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    try:
        args = intent.build(found, net)
    except Unusable as exc:
        return str(exc)
    return Step(intent.name, args, net.name, written.strip(), named)
