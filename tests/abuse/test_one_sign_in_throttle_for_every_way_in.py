"""One throttle for every way in (issue 27, findings 1 and 2): replayed over HTTP against a
real backend, mallory at 127.0.0.2 and up, everyone else at 127.0.0.1.

Before: 40 wrong passwords on /accounts/login/ all got 200 while /admin/login/ said 429, and
the right password there still opened /admin/; "admin" in full-width letters (which the login form
reads as "admin") had a bucket of its own; one address made 15 accounts in a row. Now every
path counts against the username (NFKC, case-folded) and the address, and a refused attempt
is answered before any password is hashed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.abuse.counting_hasher import ITERATIONS_ENV
from tests.abuse.sign_in_backend import SignInBackend, Visitor, run_backend

PER_MINUTE = 5
ADDRESS_FACTOR = 3
SIGNUPS_PER_HOUR = 3
FULL_WIDTH_ADMIN = "\uff41\uff44\uff4d\uff49\uff4e"  # "admin" in full-width letters


@pytest.fixture(scope="module")
def backend(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SignInBackend]:
    env = {
        "LOGINS_PER_MINUTE": str(PER_MINUTE),
        "LIMIT_ADDRESS_FACTOR": str(ADDRESS_FACTOR),
        "SIGNUPS_PER_HOUR": str(SIGNUPS_PER_HOUR),
        ITERATIONS_ENV: "1000",  # what is counted here is attempts, not what a hash costs
    }
    yield from run_backend(env, tmp_path_factory.mktemp("sign-in-throttle"))


@pytest.fixture
def admin_user(transactional_db, django_user_model):
    return django_user_model.objects.create_superuser("admin", password="right-horse-battery")


@pytest.fixture
def visitors(backend) -> Iterator[dict[str, Visitor]]:
    people = {
        "mallory": backend.browser("127.0.0.2"),
        "alice": backend.browser("127.0.0.1"),
        "admin": backend.browser("127.0.0.1"),
    }
    yield people
    for visitor in people.values():
        visitor.close()


def login(visitor: Visitor, path: str, username: str, password: str, **headers: str):
    return visitor.post_form(path, {"username": username, "password": password}, **headers)


def test_guessing_on_the_accounts_login_closes_the_admin_login_too(
    backend, admin_user, visitors, django_user_model
):
    django_user_model.objects.create_user("alice", password="alice-pass-phrase-1")
    mallory = visitors["mallory"]
    guesses = [login(mallory, "/accounts/login/", "admin", f"guess-{n}") for n in range(PER_MINUTE)]
    assert [r.status_code for r in guesses] == [200] * PER_MINUTE  # the form again, with an error
    hashed = backend.hash_counts()["hashes"]
    refused = login(mallory, "/accounts/login/", "Admin", "guess-x")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert (
        "Too many sign-in attempts" in refused.text
        and "text/html" in refused.headers["Content-Type"]
    )
    at_admin = login(mallory, "/admin/login/", "admin", "right-horse-battery")
    assert at_admin.status_code == 429
    full_width = login(mallory, "/accounts/login/", FULL_WIDTH_ADMIN, "right-horse-battery")
    assert full_width.status_code == 429
    assert backend.hash_counts()["hashes"] == hashed  # refused before any hash
    assert mallory.client.get("/admin/").status_code == 302  # still not in
    signed_in = login(visitors["alice"], "/accounts/login/", "alice", "alice-pass-phrase-1")
    assert signed_in.status_code == 302  # alice, another name, another address


def test_a_refused_attempt_asking_for_json_gets_the_json_error(backend, admin_user, visitors):
    mallory = visitors["mallory"]
    for n in range(PER_MINUTE):
        login(mallory, "/admin/login/", FULL_WIDTH_ADMIN, f"guess-{n}")
    refused = login(mallory, "/accounts/login/", "admin", "x", Accept="application/json")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "too_many_attempts" and "Wait" in error["message"]
    assert error["retry_after"] >= 1


def test_trying_many_usernames_from_one_address_is_held_back(backend, transactional_db, visitors):
    mallory = visitors["mallory"]
    per_address = PER_MINUTE * ADDRESS_FACTOR
    statuses = [
        login(mallory, "/accounts/login/", f"user{n}", "password-1").status_code
        for n in range(per_address + 1)
    ]
    assert statuses == [200] * per_address + [429]
    other_address = login(visitors["alice"], "/accounts/login/", "user0", "password-1")
    assert other_address.status_code == 200  # a wrong password, answered as one


def sign_up(visitor: Visitor, username: str):
    password = "a-long-pass-phrase-9"
    form = {"username": username, "password1": password, "password2": password}
    return visitor.post_form("/accounts/signup/", form)


def test_one_address_makes_only_so_many_accounts_an_hour(
    backend, transactional_db, visitors, django_user_model
):
    mallory = backend.browser("127.0.0.3")
    try:
        made = [sign_up(mallory, f"sock{n}").status_code for n in range(SIGNUPS_PER_HOUR)]
        assert made == [302] * SIGNUPS_PER_HOUR
        hashed = backend.hash_counts()["hashes"]
        refused = sign_up(backend.browser("127.0.0.3"), "sock-extra")  # a fresh cookie jar
        assert refused.status_code == 429 and "Too many new accounts" in refused.text
        assert backend.hash_counts()["hashes"] == hashed
        assert not django_user_model.objects.filter(username="sock-extra").exists()
        assert sign_up(visitors["alice"], "alice").status_code == 302  # another address
    finally:
        mallory.close()
