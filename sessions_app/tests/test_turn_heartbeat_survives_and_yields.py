"""The running turn's heartbeat (runner._heartbeat): a database away for one beat does not end
it, and a lease another process took stops this run of the turn (that process runs it now)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.db import OperationalError

from sessions_app.agent import runner

BEAT = 0.03  # seconds: the lease is three beats


class Renewals:
    """turns.renew as the database answers it: one answer per beat, in order."""

    def __init__(self, *answers: bool | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, turn: object) -> bool:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else True
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def beats(monkeypatch):
    def install(renewals: Renewals) -> Renewals:
        monkeypatch.setattr(runner.turns, "lease", lambda: timedelta(seconds=3 * BEAT))
        monkeypatch.setattr(runner.turns, "renew", renewals)

        def in_place(function):
            async def call(*args):
                return function(*args)

            return call

        monkeypatch.setattr(runner, "db", in_place)
        return renewals

    return install


async def beat_until(done, renewals: Renewals) -> asyncio.Event:
    """Run the heartbeat until ``done(stop)`` holds (a busy machine may take longer than the
    beats themselves); it must still be beating then."""
    current, stop = runner._Current(), asyncio.Event()
    current.turn = object()  # type: ignore[assignment]
    task = asyncio.ensure_future(runner._heartbeat(current, stop))
    async with asyncio.timeout(30):
        while not done(stop):
            await asyncio.sleep(BEAT / 3)
    assert not task.done(), "the heartbeat ended"
    task.cancel()
    return stop


async def test_a_database_error_skips_one_beat_and_the_next_renews(beats):
    renewals = beats(Renewals(OperationalError("server closed the connection"), True, True))
    stop = await beat_until(lambda stop: renewals.calls >= 3, renewals)
    assert not stop.is_set()  # it kept beating after the error, and the turn runs on


async def test_a_lease_taken_by_another_process_stops_this_run(beats):
    renewals = beats(Renewals(True, False))
    stop = await beat_until(lambda stop: stop.is_set(), renewals)
    assert stop.is_set() and renewals.calls == 2  # stopped at the lost renewal, not later
