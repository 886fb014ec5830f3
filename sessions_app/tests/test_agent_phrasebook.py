"""The phrasebook (phrasebook.py) through the real stack: websocket, turn, builtin agent,
mcp_proxy, runmcp on Anvil. Positives call the expected tools on the expected network, with the
outcome expected, and the answer names the network; small talk calls nothing; a negative's
answer names what was not handled, no tool is called and no transaction is mined.

test_phrasebook_parses.py reads every phrasing with the parser alone: the tools, networks and
refusals of each. What only a turn shows (the call reaching the tool, its outcome, the answer
naming the network, nothing mined) depends on the kind of step, not on its wording, so this runs
one phrasing of each kind: each step's intent, tool and kinds of arguments (a name, a 0x
address, the wallet, the chat's last address or transaction, …), the network, the outcome,
whether it follows another turn; for a negative, the placed parts that must not run."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from web3 import HTTPProvider, Web3

from chatproject.lib.networks import Network
from mcp_servers.tests.conftest import ALICE, deploy_token
from sessions_app.agent.arguments import Step
from sessions_app.agent.intents import BY_NAME
from sessions_app.agent.reading import read
from sessions_app.agent.references import LAST_ADDRESS, LAST_TRANSACTION, WALLET
from sessions_app.tests.agent_support import (
    answer_text,
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)
from sessions_app.tests.phrasebook import (
    ALL,
    DEAD,
    NEGATIVE,
    POSITIVE,
    SERVED,
    SMALL_TALK,
    Case,
    unserved,
)
from testsupport import local_http

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCES = {WALLET, LAST_ADDRESS, LAST_TRANSACTION}


def value_kind(value: object) -> str:
    if isinstance(value, str):
        return value if value in REFERENCES else "0x" if value.startswith("0x") else "word"
    return type(value).__name__


def step_kind(step: Step, table: dict[str, Network]) -> tuple[object, ...]:
    choice = BY_NAME[step.intent].tool
    arguments = sorted((key, value_kind(value)) for key, value in step.args.items())
    return (step.intent, choice(step.args, table[step.network]) if choice else "", *arguments)


def kind(case: Case) -> tuple[object, ...]:
    """What a turn of ``case`` runs, apart from its wording (the module's docstring)."""
    table = django_settings.NETWORKS
    found = read(case.text.format(token=DEAD, dead=DEAD), "testnet", table, unserved(table))
    steps = [step_kind(step, table) for step in found.steps]
    return (*steps, bool(found.refusals), case.network, case.succeeds, bool(case.before))


def one_of_each_kind(cases: tuple[Case, ...]) -> tuple[Case, ...]:
    firsts: dict[tuple[object, ...], Case] = {}
    for case in cases:
        firsts.setdefault(kind(case), case)
    return tuple(firsts.values())


@pytest.fixture(scope="module")
def token(anvil_testnet) -> str:
    """A TestToken on the testnet, deployed by alice."""
    return deploy_token(Web3(HTTPProvider(anvil_testnet.url)), ALICE)


@pytest.fixture
def networks(settings, anvil_testnet, mcp_testnet, anvil_polygon, mcp_polygon):
    """testnet and polygon served by their own runmcp; mainnet, base, arbitrum unavailable."""
    point_network(settings, "testnet", mcp_testnet.url)
    point_network(settings, "polygon", mcp_polygon.url)
    for name in set(settings.NETWORKS) - set(SERVED):
        point_network(settings, name)  # no MCP server: not configured
    # One reader sends the whole phrasebook within a minute: the per-owner flood limits
    # (tests/abuse/test_flood_limits.py) would stop it, so they are off here.
    settings.CHAT_MESSAGES_PER_MINUTE = 0
    settings.AGENT_TURNS_PER_MINUTE = 0
    settings.PROXY_CALLS_PER_MINUTE = 0
    settings.SOCKET_FRAMES_PER_SECOND = 0  # a turn every few ms: faster than any person types
    settings.TOOL_COST_PER_MINUTE = 0  # the log searches of the phrasebook add up within a minute


@pytest.fixture
async def socket(transactional_db, networks):
    mallory = await database_sync_to_async(make_browser)("phrasebook reader")
    chat = await database_sync_to_async(mallory.new_chat)()
    socket, _ = await open_socket(mallory, chat.public_id)
    yield socket
    await socket.disconnect()


def height(anvil) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
    return int(local_http.post(anvil.url, json=body, timeout=10).json()["result"], 16)


async def check(case: Case, socket, token: str, anvils) -> str:
    """What is wrong with the answer to ``case`` ("" when right)."""
    if case.before:
        await ask(socket, case.before.format(token=token, dead=DEAD))
    heights = [height(anvil) for anvil in anvils]
    seen = await ask(socket, case.text.format(token=token, dead=DEAD))
    calls, results = of_type(seen, "tool.call"), of_type(seen, "tool.result")
    answer = answer_text(seen)
    tools = [call["tool"] for call in calls]
    if case.tools:
        problems = [
            tools != list(case.tools) and f"called {tools}",
            {c["network"] for c in calls} != {case.network} and "on another network",
            [r["ok"] for r in results] != [case.succeeds] * len(calls) and "tool outcome",
            case.network not in answer and "the answer does not name the network",
        ]
    else:
        said = answer.lower()
        problems = [
            bool(calls) and f"called {tools}",
            [height(anvil) for anvil in anvils] != heights and "a transaction was mined",
            case.talk not in answer and f"does not say {case.talk!r}",
            *(w.lower() not in said and f"does not name {w!r}" for w in case.refusal.split()),
        ]
    wrong = [problem for problem in problems if problem]
    return f"{case.label!r}: {', '.join(wrong)}; answered {answer!r}" if wrong else ""


async def run_all(cases: tuple[Case, ...], socket, token: str, anvils) -> list[str]:
    failures = [await check(case, socket, token, anvils) for case in cases]
    return [failure for failure in failures if failure]


async def test_positive_phrasings_call_their_tools_on_the_named_network(
    socket, token, anvil_testnet, anvil_polygon
):
    assert len(POSITIVE) >= 90
    failures = await run_all(one_of_each_kind(POSITIVE), socket, token, [])
    assert not failures, "\n".join(failures)


async def test_small_talk_and_help_are_answered_without_tools(
    socket, token, anvil_testnet, anvil_polygon
):
    failures = await run_all(
        one_of_each_kind(SMALL_TALK), socket, token, [anvil_testnet, anvil_polygon]
    )
    assert not failures, "\n".join(failures)


async def test_negative_phrasings_name_what_is_not_handled_and_change_nothing(
    socket, token, anvil_testnet, anvil_polygon
):
    assert len(NEGATIVE) >= 60 and len(ALL) >= 150
    failures = await run_all(
        one_of_each_kind(NEGATIVE), socket, token, [anvil_testnet, anvil_polygon]
    )
    assert not failures, "\n".join(failures)
