"""XSS payloads in user messages and in tool results: kept literally, never rendered live.

The page puts only turn.complete's html through innerHTML (static/js/transcript.js); every
other text goes in through textContent. So the properties are: stored and streamed content is
the exact payload, and render_markdown's output, whatever the input, has no script-capable
element, no event-handler attribute and no javascript:/data: URL.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from channels.db import database_sync_to_async
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions_app.models import Message, ToolCall
from sessions_app.rendering import render_markdown
from sessions_app.tests.agent_support import (
    ask,
    of_type,
    open_socket,
)
from tests.abuse.helpers import install_string_contract

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '"><body onload=alert(1)>',
    "<details open ontoggle=alert(1)>",
    "<a href=' jav&#x09;ascript:alert(1)'>x</a>",
    "`<script>`",
    "<<script>script>alert(1)<</script>/script>",
]
DANGEROUS_TAGS = {"script", "img", "svg", "iframe", "style", "object", "embed", "body", "form"}
DANGEROUS_TAGS |= {"details", "input", "button", "math", "link", "meta", "base", "video", "audio"}


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"{tag}[{name}]")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in ("href", "src") and not url.startswith(("http://", "https://", "#", "/")):
                if ":" in url.split("/")[0]:
                    self.problems.append(f"{tag}[{name}={value}]")


def unsafe_parts(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_payload_has_no_live_markup(payload):
    assert unsafe_parts(render_markdown(payload)) == []
    assert unsafe_parts(render_markdown(f"The token is called **{payload}**.")) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PAYLOADS) | st.text(max_size=20), min_size=1, max_size=6))
def test_rendered_mixtures_of_payloads_and_text_stay_inert(parts):
    assert unsafe_parts(render_markdown("".join(parts))) == []
    assert unsafe_parts(render_markdown("\n\n".join(parts))) == []


# End to end: a message and a tool result carrying payloads, through the real agent turn.

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
EVIL_NAME = '<img src=x onerror=alert("pwned")><script>alert(2)</script>'


@pytest.fixture
def evil_contract(anvil_testnet) -> str:
    return install_string_contract(anvil_testnet, "0x" + "e7" * 20, EVIL_NAME)


@pytest.mark.django_db(transaction=True)
async def test_payload_in_a_message_is_stored_and_streamed_literally(alice):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    text = "balance of alice <script>alert(1)</script> <img src=x onerror=alert(1)>"
    seen = await ask(socket, text)
    await socket.disconnect()
    created = of_type(seen, "message.created")[0]["message"]
    assert created["content"] == text
    stored = await database_sync_to_async(Message.objects.get)(chat_session=chat, role="user")
    assert stored.content == text
    for complete in of_type(seen, "turn.complete"):
        assert unsafe_parts(complete["html"]) == []


@pytest.mark.django_db(transaction=True)
async def test_payload_in_a_tool_result_is_kept_literally_and_rendered_inert(alice, evil_contract):
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, f"call name() returns (string) on {evil_contract}")
    await socket.disconnect()
    results = of_type(seen, "tool.result")
    assert results and results[0]["ok"], results
    assert EVIL_NAME in str(results[0]["result"]) + results[0].get("text", "")
    call = await database_sync_to_async(ToolCall.objects.get)(chat_session=chat)
    assert EVIL_NAME in str(call.result)
    html = of_type(seen, "turn.complete")[0]["html"]
    assert unsafe_parts(html) == [], html
    assert "alert" in html  # the payload is shown as text, not dropped silently
