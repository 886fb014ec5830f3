"""XSS payloads in user messages and in tool results: kept literally, never rendered live.

The page puts only turn.complete's html through innerHTML (static/js/transcript.js); every
other text goes in through textContent. So the properties are: stored and streamed content is
the exact payload, and render_markdown's output, whatever the input, has no script-capable
element, no event-handler attribute and no javascript:/data: URL.
"""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest
from channels.db import database_sync_to_async
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions_app.models import Message, ToolCall
from sessions_app.rendering import render_markdown
from sessions_app.tests.agent_support import (
    _close_chat_db_threads,  # noqa: F401
    ask,
    make_browser,
    of_type,
    open_socket,
    point_network,
)

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


def string_returning_code(text: str) -> str:
    """Runtime code answering every call with abi.encode(text): CODECOPY a blob and RETURN it."""
    data = text.encode()
    blob = (32).to_bytes(32, "big") + len(data).to_bytes(32, "big")
    blob += data + b"\0" * (-len(data) % 32)
    size = len(blob).to_bytes(2, "big").hex()
    offset = (15).to_bytes(2, "big").hex()  # the prefix below is 15 bytes long
    prefix = f"61{size}61{offset}600039" + f"61{size}6000f3"
    return "0x" + prefix + blob.hex()


@pytest.fixture
def evil_contract(anvil_testnet) -> str:
    address = "0x" + "e7" * 20
    body = {"jsonrpc": "2.0", "id": 1, "method": "anvil_setCode"}
    body["params"] = [address, string_returning_code(EVIL_NAME)]
    assert "error" not in httpx.post(anvil_testnet.url, json=body, timeout=10).json()
    return address


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet):
    point_network(settings, "testnet", anvil_testnet.url, mcp_testnet.url)
    return make_browser("alice")


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
