"""The person's own words quoted back inside an answer, as markdown that shows them as typed.

Answers are markdown (sessions_app/rendering.py). A quote pasted in as it is lets the person's
text become markup: a code fence in it swallows the rest of the reply, ``**`` turns it bold.
"""

from __future__ import annotations

import re

# Every character that starts or ends inline markup (emphasis, code, links, entities, HTML) or
# a table cell; a backslash before ASCII punctuation makes CommonMark show it as it is.
_MARKUP = re.compile(r"([\\`*_\[\]<>!#|~&])")
# What makes the line a list item: a bullet, or a number (up to 9 digits) and its delimiter.
_LIST_START = re.compile(r"^([-+]|\d{1,9}(?=[.)]))")
# Long enough to recognise, short enough not to repeat a whole paste back.
QUOTE_MAX_CHARS = 200


def escape_markdown(text: str) -> str:
    """``text`` as markdown that renders as exactly these characters, on one line: line breaks
    become spaces (a quote sits inside a sentence, where a line could start a list, a heading
    or a fence)."""
    line = _MARKUP.sub(r"\\\1", " ".join(text.split()))
    return _LIST_START.sub(_unlisted, line, count=1)


def _unlisted(start: re.Match[str]) -> str:
    """A bullet behind a backslash; a number with a backslash before its delimiter."""
    mark = start.group(1)
    return "\\" + mark if mark in "-+" else mark + "\\"


def quoted(text: str, max_chars: int = QUOTE_MAX_CHARS) -> str:
    """The person's ``text``, shortened with "…" past ``max_chars``, escaped for an answer."""
    flat = " ".join(text.split())
    if len(flat) > max_chars:
        flat = flat[: max_chars - 1].rstrip() + "…"
    return escape_markdown(flat)
