"""Property-based fuzzing of websocket frames: whatever arrives, the consumer stays alive.

After every fuzzed frame the same socket must still answer a valid frame (a wallet.result for
an unknown request, which the consumer answers with an ``error`` event without starting a
turn), every event it sends is a JSON object with a ``type``, and it never closes the socket.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_app.events import MAX_FRAME_CHARS
from sessions_app.tests.agent_support import make_browser, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = {"type": "wallet.result", "request_id": "probe", "status": "rejected"}
DEADLINE = 20.0

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
# Lone surrogates included: inside JSON they travel as escapes ("\ud800"), which the consumer
# must refuse with an error frame (tests/abuse/test_lone_surrogates.py); a raw text frame
# carries only encodable text, so those strategies leave them out.
weird_text = st.text(st.characters(), min_size=1, max_size=60)
encodable_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
event_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["chat.message", "chat.interrupt", "wallet.result", "x", ""])},
    optional={
        "text": json_values | weird_text,
        "network": json_values | st.sampled_from(["testnet", "polygon", "nowhere", ""]),
        "client_msg_id": json_values | weird_text,
        "request_id": json_values | weird_text,
        "status": json_values | st.sampled_from(["sent", "rejected"]),
        "tx_hash": json_values | weird_text,
        "wallet": json_values | weird_text,
    },
)
text_frames = st.one_of(
    encodable_text,
    json_values.map(json.dumps),
    event_like.map(json.dumps),
    st.integers(100, 30_000).map(lambda n: "[" * n + "]" * n),
    st.integers(100, 10_000).map(lambda n: '{"type":' * n + "1" + "}" * n),
    st.integers(MAX_FRAME_CHARS + 1, MAX_FRAME_CHARS * 2).map(lambda n: "x" * n),
)
frames = st.one_of(
    text_frames.map(lambda text: ("text", text)),
    st.binary(min_size=1, max_size=100).map(lambda b: ("bytes", b)),
)


async def survives(chat_id: str, browser, sent: list[tuple[str, object]]) -> None:
    socket, _ = await open_socket(browser, chat_id)
    try:
        for kind, frame in sent:
            if kind == "text":
                await socket.send_to(text_data=frame)
            else:
                await socket.send_to(bytes_data=frame)
            await socket.send_json_to(PROBE)
            await answered_probe(socket)
    finally:
        await socket.disconnect()


async def answered_probe(socket) -> None:
    """Read events until the probe's answer; any close of the socket fails the test."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        output = await socket.receive_output(timeout=max(0.1, deadline - loop.time()))
        assert output["type"] == "websocket.send", f"consumer closed the socket: {output}"
        event = json.loads(output["text"])
        assert isinstance(event, dict) and isinstance(event.get("type"), str), event
        if event["type"] == "error" and event.get("code") == "unknown_wallet_request":
            return


@pytest.fixture
def alice_chat(transactional_db, settings):
    # Hundreds of probes in a minute: the per-minute limit on wallet answers would answer
    # them (tests/abuse/test_control_frame_floods_are_limited.py); here only survival counts.
    settings.CONTROL_EVENTS_PER_MINUTE = 0
    alice = make_browser("alice")
    return alice, alice.new_chat()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=st.lists(frames, min_size=1, max_size=3))
def test_consumer_answers_a_valid_frame_after_any_frame(alice_chat, sent):
    alice, chat = alice_chat
    asyncio.run(survives(chat.public_id, alice, sent))


async def test_history_keeps_fuzzed_text_literally(alice_chat):
    """Control characters, RTL marks and markup are stored and replayed exactly as sent."""
    alice, chat = alice_chat
    text = "<b>x</b>\u202e\t\x07 \u00e9\U0001f600 ' \" \\ {{ }}"
    socket, _ = await open_socket(alice, chat.public_id)
    await socket.send_json_to({"type": "chat.message", "text": text, "network": "testnet"})
    created = await socket.receive_json_from(timeout=DEADLINE)
    assert created["type"] == "message.created" and created["message"]["content"] == text
    await socket.disconnect()
    messages = await sync_to_async(lambda: list(chat.messages.filter(role="user")))()
    assert [m.content for m in messages] == [text]


async def test_nul_characters_do_not_break_the_consumer(alice_chat):
    """PostgreSQL text cannot hold NUL: the message is refused or stored, the socket lives."""
    alice, chat = alice_chat
    frame = {
        "type": "chat.message",
        "text": "a\x00b",
        "network": "testnet",
        "client_msg_id": "\x00",
    }
    await survives(chat.public_id, alice, [("text", json.dumps(frame))])
