"""`manage.py cleanup_sessions` tells the tabs of each session it expires: session_expired goes
to that session's group (a tab whose backend restarted has no idle watch of its own), and
nothing goes to a session it left alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from io import StringIO

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from sessions_app import manager
from sessions_app.broadcast import events_group
from sessions_app.models import ChatSession
from sessions_app.owner import Owner

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = Owner(session_key="alice-browser")
BOB = Owner(session_key="bob-browser")


def new_sessions() -> tuple[int, int, int]:
    """Alice's idle session, Bob's idle one, Alice's recent one."""
    # All created before any is idle: creating a session expires the idle ones on its way.
    pks = [manager.create_chat_session(owner).pk for owner in (ALICE, BOB, ALICE)]
    idle_since = timezone.now() - timedelta(seconds=settings.SESSION_TIMEOUT + 60)
    ChatSession.objects.filter(pk__in=pks[:2]).update(last_activity_at=idle_since)
    return pks[0], pks[1], pks[2]


async def listen(chat_session_id: int) -> str:
    """A channel in the session's group, as a tab's socket is."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events_group(chat_session_id), channel)
    return channel


async def test_one_pass_announces_each_session_it_expires_and_no_other():
    alices_idle, bobs_idle, alices_recent = await database_sync_to_async(new_sessions)()
    tabs = {pk: await listen(pk) for pk in (alices_idle, bobs_idle, alices_recent)}
    out = StringIO()
    await database_sync_to_async(call_command)("cleanup_sessions", stdout=out)
    assert "Expired 2 stale chat session(s)." in out.getvalue()
    layer = get_channel_layer()
    for pk in (alices_idle, bobs_idle):
        message = await asyncio.wait_for(layer.receive(tabs[pk]), timeout=5)
        (event,) = message["events"]
        assert (event["type"], event["code"]) == ("error", "session_expired")
        assert "expired" in event["message"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(tabs[alices_recent]), timeout=0.5)
    for pk, channel in tabs.items():
        await layer.group_discard(events_group(pk), channel)
