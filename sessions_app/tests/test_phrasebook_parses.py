"""Every phrasing of the phrasebook (phrasebook.py) read by the parser alone: a pure function of
the text, the selected network, the network table and the networks that cannot be used (here
all but the phrasebook's SERVED). No Anvil, no socket, no database: the whole phrasebook reads
in a fraction of a second.

A positive reads into steps calling the phrasebook's tools (each intent's choice, intents.py)
on its network, and nothing is refused; small talk and help are answered without a tool; a
negative is refused, naming what was not handled, so the turn runs nothing (builtin._refusal:
with any refusal no step runs). Each phrasing of every intent reads some phrasebook case on its
own, and each example prompt of the page is understood on its network.
test_agent_phrasebook.py runs one phrasing of each kind of step on a real Anvil and runmcp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

import pytest
from django.conf import settings

from chatproject.lib.networks import Network
from sessions_app.agent import reading
from sessions_app.agent.builtin import _refusal
from sessions_app.agent.intents import BY_NAME, INTENTS, Intent, examples
from sessions_app.agent.reading import Reading, read
from sessions_app.tests.phrasebook import (
    ALL,
    DEAD,
    NEGATIVE,
    POSITIVE,
    SMALL_TALK,
    Case,
    unserved,
)

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"  # any contract address: no call is made


def networks() -> dict[str, Network]:
    return settings.NETWORKS


def read_case(case: Case) -> Reading:
    text = case.text.format(token=TOKEN, dead=DEAD)
    return read(text, "testnet", networks(), unserved(networks()))


@cache
def whole_reading(case: Case) -> Reading:
    """What the whole registry reads (phrasebook cases are frozen, so this is shared)."""
    return read_case(case)


def tools_of(found: Reading) -> list[str]:
    """The tool each step calls (an intent without one, help, is named by its intent)."""
    named = [(BY_NAME[step.intent].tool, step) for step in found.steps]
    return [choice(s.args, networks()[s.network]) if choice else s.intent for choice, s in named]


def wrong(cases: Iterable[Case], problems: Callable[[Case, Reading], list[object]]) -> str:
    """Each case whose reading has a problem, with its problems and what was read."""
    lines = []
    for case in cases:
        found = read_case(case)
        listed = [problem for problem in problems(case, found) if problem]
        if listed:
            lines.append(f"{case.label!r}: {', '.join(map(str, listed))}; read {found}")
    return "\n".join(lines)


def test_each_positive_phrasing_reads_into_its_tools_on_its_network():
    assert len(POSITIVE) >= 90
    assert not wrong(
        POSITIVE,
        lambda case, found: [
            _refusal(found) and f"refused: {_refusal(found)}",
            tools_of(found) != list(case.tools) and f"calls {tools_of(found)}",
            {step.network for step in found.steps} != {case.network} and "on another network",
        ],
    )


def test_small_talk_and_help_are_answered_without_a_tool():
    def answer(found: Reading) -> str:
        replies = [BY_NAME[step.intent].reply for step in found.steps]
        testnet = networks()["testnet"]
        return " ".join(found.small_talk) + "".join(r(testnet) if r else "TOOL" for r in replies)

    assert not wrong(
        SMALL_TALK,
        lambda case, found: [
            _refusal(found) and f"refused: {_refusal(found)}",
            case.talk not in answer(found) and f"does not say {case.talk!r}",
        ],
    )


def test_each_negative_phrasing_is_refused_naming_what_was_not_handled():
    assert len(NEGATIVE) >= 60 and len(ALL) >= 150
    assert not wrong(
        NEGATIVE,
        lambda case, found: [
            not _refusal(found) and "not refused: its steps would run",
            *(
                word.lower() not in _refusal(found).lower() and f"does not name {word!r}"
                for word in case.refusal.split()
            ),
        ],
    )


def read_alone(intent: Intent, number: int) -> list[Case]:
    """The cases that this one phrasing reads as the whole registry does (a step of its
    intent; for a fallback, its refusal)."""
    ours = [
        case
        for case in ALL
        if intent.name in {step.intent for step in whole_reading(case).steps}
        or (intent.fallback and whole_reading(case).refusals)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "PHRASINGS", ((intent, intent.patterns[number]),))
        return [case for case in ours if read_case(case) == whole_reading(case)]


def test_each_phrasing_of_every_intent_reads_a_phrasebook_case_on_its_own():
    """A phrasing that no case needs could be wrong, or dead, and nobody would see it."""
    unread = [
        f"{intent.name}'s phrasing {number}: {intent.phrasings[number]}"
        for intent in INTENTS
        for number in range(len(intent.patterns))
        if not read_alone(intent, number)
    ]
    assert unread == [], "\n".join(unread)


def test_every_intent_has_one_name():
    assert len(BY_NAME) == len(INTENTS)


@pytest.mark.parametrize("name", list(settings.NETWORKS))
def test_the_page_examples_are_understood_on_their_network(name):
    """Every network usable, as on a stack that serves them all."""
    table = settings.NETWORKS
    shown = examples(table[name])
    assert shown
    for text in shown:
        found = read(text, name, table)
        assert _refusal(found) == "" and (found.steps or found.small_talk), text
