"""The browser session store (SESSION_ENGINE): Django's ``cached_db``, whose new session is
written once.

Django's ``create()`` inserts the empty session at once and marks it modified, so the response
writes it a second time, with its data: an INSERT, then an UPDATE, and the cache set twice,
for every chat opened by a new browser (docs/benchmarks.md, "Opening a chat"). Here
``create()`` picks a free key as Django's does and the session's first ``save()`` inserts the
row with its data: the one write of the response.

A new key is 32 random characters, not looked up first: Django asks the cache and then the
database whether the key is taken, a round trip each for every new browser, where a key already
taken is as likely as guessing one. Should it happen, the INSERT of the session's first save
refuses it (must_create), as Django's own save would.

It overrides ``create``/``acreate`` and ``save``/``asave`` and sets ``_session_key``,
internals of Django's session backends: requirements.txt pins
Django's version, and
tests/test_a_new_browser_session_is_written_once.py fails when they change.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


def new_session_key() -> str:
    return get_random_string(32, VALID_KEY_CHARS)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._unwritten = False  # created here, not in the database yet

    def create(self) -> None:
        self._session_key = new_session_key()
        self._get_session(no_load=True)  # type: ignore[attr-defined]  # nothing to load
        self._unwritten = True
        self.modified = True

    async def acreate(self) -> None:
        self._session_key = new_session_key()
        self._get_session(no_load=True)  # type: ignore[attr-defined]  # nothing to load
        self._unwritten = True
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            self.create()  # Django's save() of a session without a key creates it
        super().save(must_create=must_create or self._unwritten)
        self._unwritten = False

    async def asave(self, must_create: bool = False) -> None:
        if self.session_key is None:
            await self.acreate()
        await super().asave(must_create=must_create or self._unwritten)
        self._unwritten = False
