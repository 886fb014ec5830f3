"""A new browser's session (chatproject/lib/session_store.py) is written once, with its data:
one INSERT of its row and one cache write, where Django's own store looks its new key up,
inserts it empty and then updates it. Signing in (a new key for the same data) and signing
out work as with Django's.

The store overrides Django internals (``create``, ``save`` and the ``_session_key`` of the
session backends): Django is pinned, and the last test fails, naming what changed, when an
upgrade reshapes them."""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path

import pytest
from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chatproject.lib.session_store import SessionStore
from sessions_app.owner import BROWSER_KEY

PINNED = "5.2.19"
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"


def session_writes(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured
        if q["sql"].startswith(('INSERT INTO "django_session"', 'UPDATE "django_session"'))
    ]


@pytest.mark.django_db
def test_a_new_chat_writes_its_browser_session_once_with_the_browsers_key(monkeypatch):
    cache_writes: list[str] = []
    set_in_cache = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, *a, **k: cache_writes.append(key) or set_in_cache(key, *a, **k)
    )
    browser = Client()
    with CaptureQueriesContext(connection) as captured:
        created = browser.post("/api/sessions", {}, content_type="application/json")
    assert created.status_code == 201
    writes = session_writes(captured)
    assert len(writes) == 1 and writes[0].startswith("INSERT"), writes
    reads = [
        q["sql"] for q in captured if q["sql"].startswith("SELECT") and "django_session" in q["sql"]
    ]
    assert reads == [], "a new key is not looked up first"
    key = browser.cookies["sessionid"].value
    assert Session.objects.get(session_key=key).get_decoded() == {BROWSER_KEY: key}
    assert [k for k in cache_writes if key in k] == [SessionStore.cache_key_prefix + key]
    assert SessionStore(key).load() == {BROWSER_KEY: key}  # from the cache
    cache.delete(SessionStore.cache_key_prefix + key)
    assert SessionStore(key).load() == {BROWSER_KEY: key}  # from the row


@pytest.mark.django_db
def test_a_session_saved_without_a_key_is_inserted_once():
    session = SessionStore()
    session["seen"] = 1
    with CaptureQueriesContext(connection) as captured:
        session.save()
    assert [w.split(" (")[0] for w in session_writes(captured)] == ['INSERT INTO "django_session"']
    assert SessionStore(session.session_key).load() == {"seen": 1}
    session["seen"] = 2
    with CaptureQueriesContext(connection) as captured:
        session.save()  # an existing row: updated
    assert [w.split(" ")[0] for w in session_writes(captured)] == ["UPDATE"]


@pytest.mark.django_db
def test_a_new_key_for_the_same_data_replaces_the_old_row():
    session = SessionStore()
    session["seen"] = 1
    session.save()
    old_key = session.session_key
    session.cycle_key()  # what signing in does
    session.save()
    assert session.session_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert SessionStore(session.session_key).load() == {"seen": 1}


@pytest.mark.django_db(transaction=True)
async def test_the_async_api_writes_once_too():
    session = SessionStore()
    await session.acreate()
    await session.aset("seen", 1)
    await session.asave()
    row = await Session.objects.aget(session_key=session.session_key)
    assert row.get_decoded() == {"seen": 1}


def test_django_is_pinned_to_the_version_the_store_was_written_for():
    assert version("django") == PINNED
    assert f"Django=={PINNED}" in REQUIREMENTS.read_text().splitlines()


def test_django_s_session_backends_still_have_what_the_store_overrides():
    for name in ("_get_new_session_key", "_aget_new_session_key", "_get_session"):
        assert callable(getattr(SessionBase, name, None)), f"SessionBase.{name} is gone"
    assert isinstance(SessionBase.__dict__.get("_session_key"), property) and (
        SessionBase.__dict__["_session_key"].fset is not None
    ), "SessionBase._session_key is no longer a settable property"
    for method in (db.SessionStore.save, db.SessionStore.asave):
        source = inspect.getsource(method)
        assert "create()" in source and "force_insert=must_create" in source, (
            f"{method.__qualname__} no longer creates a keyless session and inserts on must_create"
        )
    assert list(inspect.signature(cached_db.SessionStore.save).parameters) == [
        "self",
        "must_create",
    ]
    assert "self.create()" in inspect.getsource(SessionBase.cycle_key), (
        "SessionBase.cycle_key no longer makes its new key with create()"
    )
