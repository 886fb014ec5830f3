"""The person's words quoted back in an answer show as typed (issue 31, item 8): a code fence,
``**`` or a heading in them stays text, and the rest of the answer keeps its own markdown."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from sessions_app.agent import reading
from sessions_app.agent.quoting import QUOTE_MAX_CHARS, escape_markdown, quoted
from sessions_app.rendering import render_markdown
from sessions_app.tests.agent_support import answer_text, ask, make_browser, of_type, open_socket

FENCE = "what is this\n```python\nprint(1)\n```"


def shown(markdown: str) -> str:
    """The rendered HTML of ``markdown`` alone, without its paragraph."""
    return render_markdown(markdown).removeprefix("<p>").removesuffix("</p>\n")


@pytest.mark.parametrize(
    "typed",
    [
        "**bold** and _em_ and `code`",
        "``` fence ``` and ~~~",
        "# heading > quote | cell | [link](https://evil.example) ![img](x)",
        "<b>tag</b> &amp; &#x41; \\*",
        "1. list",
        "12) list",
        "- item",
        "+ item",
        "2024-01-01 and 1,5",
    ],
)
def test_escaped_text_renders_as_exactly_what_was_typed(typed):
    html = shown(escape_markdown(typed))
    assert html == typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_line_breaks_become_spaces_so_no_line_starts_a_block():
    assert escape_markdown("a\n# b\n\n    c\n- d") == "a \\# b c - d"
    assert shown(escape_markdown("a\n```\nb")) == "a ``` b"


def test_a_long_quote_is_shortened():
    quote = quoted("x" * 5000)
    assert len(quote) == QUOTE_MAX_CHARS and quote.endswith("…")
    assert quoted("  short  text ") == "short text"


def test_the_not_understood_reply_keeps_its_own_markdown_after_a_fence():
    html = render_markdown(reading.not_understood(FENCE))
    assert "<pre>" not in html and "<code>" not in html
    assert "<strong>help</strong>" in html
    assert "“what is this ```python print(1) ```”" in html


@pytest.mark.django_db(transaction=True)
async def test_the_builtin_agent_quotes_a_pasted_fence_as_text():
    alice = await database_sync_to_async(make_browser)("alice")
    chat = await database_sync_to_async(alice.new_chat)()
    socket, _ = await open_socket(alice, chat.public_id)
    seen = await ask(socket, FENCE)
    await socket.disconnect()
    assert "did not understand" in answer_text(seen)
    html = of_type(seen, "turn.complete")[0]["html"]
    assert "<pre>" not in html and "<strong>help</strong>" in html
    assert "see them." in html  # the sentence after the quote is still there, as text
