"""Text PostgreSQL cannot store: NUL characters and lone surrogates.

JSON may spell both (``"\\u0000"``, ``"\\ud800"``) and Python decodes them into a str that
PostgreSQL refuses (a NUL) or that cannot be encoded as UTF-8 at all (a lone surrogate: a
UnicodeEncodeError, then a DataError, a 500 -- tests/abuse). Every JSON endpoint and the
websocket refuse such input up front with this one check.
"""

from __future__ import annotations

UNSTORABLE_MESSAGE = "Text may not contain NUL characters or unpaired surrogates (\\ud800-\\udfff)."


def is_storable_text(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_unstorable_text(value: object) -> bool:
    """True when any string (key or value) anywhere in a JSON value cannot be stored."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and not is_storable_text(item):
            return True
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False
