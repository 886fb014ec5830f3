"""A flood of logins cannot take the CPU the pages need (issue 27, finding 1: each attempt
costs a full PBKDF2 hash). At most PASSWORD_HASH_CONCURRENCY hashes run at once in a backend;
an attempt that gets no slot within a few seconds is told the server is busy (503), and the
pages still answer.

Replayed against a real backend whose hasher counts the hashes running at once; mallory floods
from 127.0.0.2 while bob loads pages from 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from sessions_app import auth_throttle
from tests.abuse.sign_in_backend import SignInBackend, run_backend

SLOTS = 2
FLOOD = 20
PAGE_BOUND_SECONDS = 3.0  # generous (a shared machine): bounded ~0.1 s, unbounded ~1 s


@pytest.fixture(scope="module")
def backend(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SignInBackend]:
    env = {"PASSWORD_HASH_CONCURRENCY": str(SLOTS), "LOGINS_PER_MINUTE": "1000"}
    yield from run_backend(env, tmp_path_factory.mktemp("hash-flood"))


def bad_login(backend: SignInBackend, n: int) -> int:
    mallory = backend.browser("127.0.0.2")
    try:
        form = {"username": f"admin{n}", "password": f"guess-{n}"}
        response = mallory.post_form("/accounts/login/", form)
        if response.status_code == 503:
            assert "busy" in response.text and int(response.headers["Retry-After"]) >= 1
        return response.status_code
    finally:
        mallory.close()


def page_seconds(backend: SignInBackend, path: str) -> float:
    bob = backend.browser("127.0.0.1")
    try:
        started = time.monotonic()
        assert bob.client.get(path).status_code == 200
        return time.monotonic() - started
    finally:
        bob.close()


def test_twenty_concurrent_logins_hash_two_at_a_time_and_pages_still_answer(
    backend, transactional_db
):
    with ThreadPoolExecutor(max_workers=FLOOD) as pool:
        flood = [pool.submit(bad_login, backend, n) for n in range(FLOOD)]
        deadline = time.monotonic() + 60
        while backend.hash_counts()["hashes"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the flood is hashing
        during = [page_seconds(backend, "/api/csrf"), page_seconds(backend, "/")]
        statuses = [future.result() for future in flood]
    assert set(statuses) <= {200, 503}, statuses
    assert max(during) < PAGE_BOUND_SECONDS, during
    counts = backend.hash_counts()
    assert 1 <= counts["most_at_once"] <= SLOTS, counts


def test_an_attempt_without_a_slot_is_answered_busy_before_hashing(
    db, settings, monkeypatch, django_user_model
):
    settings.PASSWORD_HASH_CONCURRENCY = 1
    monkeypatch.setattr(auth_throttle, "HASH_SLOT_WAIT_SECONDS", 0.2)
    django_user_model.objects.create_user("bob", password="bob-pass-phrase-1")
    holding, release = threading.Event(), threading.Event()

    def hold_the_slot() -> None:
        with auth_throttle.hash_slot():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    try:
        holding.wait(10)
        login = {"username": "bob", "password": "bob-pass-phrase-1"}
        busy = Client().post("/accounts/login/", login)
        assert busy.status_code == 503 and int(busy["Retry-After"]) >= 1
        assert b"busy" in busy.content and b"sessionid" not in busy.cookies.output().encode()
    finally:
        release.set()
        holder.join()
    assert Client().post("/accounts/login/", login).status_code == 302
