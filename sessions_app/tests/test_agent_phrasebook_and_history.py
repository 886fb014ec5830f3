"""Pure units of the agent: the builtin phrasebook, history trimming and each provider's
replay format (no processes needed)."""

from __future__ import annotations

import itertools

import pytest

from sessions_app.agent.anthropic_provider import anthropic_messages
from sessions_app.agent.arguments import split_call_args
from sessions_app.agent.history import Entry, ToolExchange, trim
from sessions_app.agent.openai_provider import openai_messages
from sessions_app.agent.reading import read
from sessions_app.agent.references import Amount
from sessions_app.turns import title_from

ADDRESS = "0x000000000000000000000000000000000000dEaD"
HASH = "0x" + "ab" * 32


def intent_of(text, settings):
    reading = read(text, "testnet", settings.NETWORKS)
    return [step.intent for step in reading.steps] or None


@pytest.mark.parametrize(
    "text, intent",
    [
        ("help", "help"),
        ("?", "help"),
        ("What can you do?", "help"),
        ("balance of alice", "balance"),
        ("What's Bob's balance", "balance"),
        (f"balance {ADDRESS}", "balance"),
        ("send 1 ETH from alice to bob", "send"),
        ("please transfer 250 wei to carol from dave", "send"),
        (f"pay 0.1 to {ADDRESS}", "send"),
        ("block number", "block_number"),
        ("what block are we at?", "block_number"),
        ("latest block", "latest_block"),
        ("show block #12", "block"),
        (f"transaction {HASH}", "transaction"),
        (f"{HASH} receipt", "receipt"),
        (f"receipt of {HASH}", "receipt"),
        ("current gas price?", "gas_price"),
        (f"code at {ADDRESS}", "code"),
        (f"is {ADDRESS} a smart contract", "code"),
        (f"token info for {ADDRESS}", "token_info"),
        (f"what token is {ADDRESS}?", "token_info"),
        (f"token balance of bob in {ADDRESS}", "token_balance"),
        (f"how many {ADDRESS} tokens does alice hold", "balance"),
        (f"call totalSupply()(uint256) on {ADDRESS}", "call"),
        ("network info", "network_info"),
        ("what chain is this", "network_info"),
        ("tell me a joke", None),
        ("what is my balance", "balance"),
        ("how much do I have?", "balance"),
    ],
)
def test_phrase_maps_to_intent(text, intent, settings):
    assert intent_of(text, settings) == ([intent] if intent else None)


def test_send_parts_and_amount_units(settings):
    step = read("please transfer 250 wei to carol from dave", "testnet", settings.NETWORKS).steps[0]
    assert (step.args["sender"], step.args["to"]) == ("dave", "carol")
    assert step.args["amount"].tool_arguments() == {"value_wei": "250"}
    assert Amount("2", "gwei").tool_arguments() == {"value_wei": "2000000000"}
    assert Amount("1.5", "eth").tool_arguments() == {"value": "1.5"}


def test_call_step_splits_arguments(settings):
    text = f"call balanceOf(address)(uint256) on {ADDRESS} with alice, 5 and 0x1"
    step = read(text, "testnet", settings.NETWORKS).steps[0]
    assert step.intent == "call"
    assert step.args == {
        "address": ADDRESS,
        "signature": "balanceOf(address)(uint256)",
        "args": ["alice", "5", "0x1"],
    }
    assert split_call_args(None) == []


def test_title_is_first_line_cut_at_a_word():
    assert title_from("  balance of   alice ") == "balance of alice"
    long = "please tell me " + "very " * 30 + "much"
    title = title_from(long)
    assert len(title) <= 61 and title.endswith("…") and " very…" not in title[:-1] + " "


def conversation() -> list[Entry]:
    call = ToolExchange("call_1", "get_balance", {"address": "alice"}, "alice has 1 ETH", False)
    return [
        Entry("user", "old question " * 50),
        Entry("assistant", "old answer " * 50),
        Entry("user", "balance of alice?"),
        Entry("assistant", "Alice has 1 ETH.", [call]),
        Entry("user", "and now?"),
    ]


def test_trim_keeps_newest_and_starts_with_user():
    kept = trim(conversation(), budget=200)
    assert [e.text for e in kept][-1] == "and now?"
    assert kept[0].role == "user" and "old question" not in kept[0].text
    assert trim(conversation(), budget=10**6) == conversation()
    assert [e.text for e in trim(conversation(), budget=1)] == ["and now?"]


def test_anthropic_replay_pairs_tool_use_with_tool_result_and_alternates_roles():
    messages = anthropic_messages(trim(conversation(), budget=200))
    roles = [m["role"] for m in messages]
    assert all(a != b for a, b in itertools.pairwise(roles))
    use = messages[1]["content"][0]
    assert use == {
        "type": "tool_use",
        "id": "call_1",
        "name": "get_balance",
        "input": {"address": "alice"},
    }
    result = messages[2]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "call_1"


def test_openai_replay_has_tool_calls_then_tool_messages():
    messages = openai_messages("system prompt", trim(conversation(), budget=200))
    assert messages[0] == {"role": "system", "content": "system prompt"}
    assistant = messages[2]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "get_balance",
        "arguments": '{"address": "alice"}',
    }
    assert messages[3] == {"role": "tool", "tool_call_id": "call_1", "content": "alice has 1 ETH"}
    assert messages[-1] == {"role": "user", "content": "and now?"}


def test_too_many_requests_in_one_message_run_none(settings):
    from sessions_app.agent.builtin import MAX_STEPS, _refusal

    text = " and ".join(["balance of alice"] * (MAX_STEPS + 2))
    reading = read(text, "testnet", settings.NETWORKS)
    assert len(reading.steps) == MAX_STEPS + 2
    assert f"at most {MAX_STEPS}" in _refusal(reading)
    assert _refusal(read("balance of alice", "testnet", settings.NETWORKS)) == ""


def test_at_block_goes_to_every_step_that_reads_state(settings):
    steps = read("balance of alice and bob at block 1", "testnet", settings.NETWORKS).steps
    assert [(s.args["who"], s.args["block"]) for s in steps] == [("alice", 1), ("bob", 1)]
    refused = read("gas price at block 1", "testnet", settings.NETWORKS)
    assert not refused.steps and "at block 1" in refused.refusals[0]
