"""Chat session ids are unguessable, and guessing them through the API learns nothing."""

from __future__ import annotations

import base64
import itertools
import secrets

import pytest

from sessions_app.models import new_public_id
from tests.abuse.helpers import assert_json_error, create_session, csrf_client, post_json

SAMPLES = 4000


def _id_bits(public_id: str) -> int:
    raw = base64.urlsafe_b64decode(public_id + "=" * (-len(public_id) % 4))
    return int.from_bytes(raw, "big")


def test_session_ids_carry_at_least_128_random_bits():
    ids = [new_public_id() for _ in range(SAMPLES)]
    assert len(set(ids)) == SAMPLES
    width = len(base64.urlsafe_b64decode(ids[0] + "=" * (-len(ids[0]) % 4))) * 8
    assert width >= 128
    values = [_id_bits(i) for i in ids]
    # Every bit position is a fair coin: 6 sigma around n/2 (sigma = sqrt(n)/2).
    sigma = SAMPLES**0.5 / 2
    for bit in range(width):
        ones = sum((value >> bit) & 1 for value in values)
        assert abs(ones - SAMPLES / 2) < 6 * sigma, f"bit {bit} is biased: {ones}/{SAMPLES}"


@pytest.mark.django_db
def test_consecutive_session_ids_share_no_structure(settings):
    # 20 sessions of one browser in a row: the per-owner limits are other tests' subject.
    settings.MAX_SESSIONS_PER_OWNER = 0
    settings.SESSION_CREATES_PER_MINUTE = 0
    client, token = csrf_client()
    ids = [create_session(client, token) for _ in range(20)]
    values = [_id_bits(i) for i in ids]
    for first, second in itertools.pairwise(values):
        # XOR of two independent 192-bit values has about half its bits set.
        assert 40 < bin(first ^ second).count("1") < 152
    assert all(not i.isdigit() for i in ids)


@pytest.mark.django_db
def test_guessed_ids_are_indistinguishable_from_foreign_ones():
    alice, alice_token = csrf_client()
    bob, bob_token = csrf_client()
    alice_id = create_session(alice, alice_token)
    foreign = bob.get(f"/api/sessions/{alice_id}")
    expected = assert_json_error(foreign)
    near_miss = alice_id[:-1] + ("A" if alice_id[-1] != "A" else "B")
    guesses = [secrets.token_urlsafe(24) for _ in range(50)] + [near_miss, alice_id.upper()]
    for guess in guesses:
        answer = bob.get(f"/api/sessions/{guess}")
        assert answer.status_code == foreign.status_code
        assert assert_json_error(answer) == expected
        closing = post_json(bob, f"/api/sessions/{guess}/close", {}, bob_token)
        assert assert_json_error(closing) == expected
    assert post_json(bob, f"/api/sessions/{alice_id}/close", {}, bob_token).status_code == 404
    assert alice.get(f"/api/sessions/{alice_id}").json()["session"]["status"] == "active"


@pytest.mark.django_db
def test_session_list_never_reveals_another_owners_ids():
    alice, alice_token = csrf_client()
    bob, _ = csrf_client()
    alice_ids = {create_session(alice, alice_token) for _ in range(3)}
    listed = {s["id"] for s in bob.get("/api/sessions").json()["sessions"]}
    assert listed.isdisjoint(alice_ids)
    assert {s["id"] for s in alice.get("/api/sessions").json()["sessions"]} == alice_ids
