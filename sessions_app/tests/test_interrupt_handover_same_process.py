"""A turn claim handed over within one process (the old drain still finishing while the new
one starts on the same session) must not deafen the new drain: the old drain's unwatch used to
drop the session's interrupt flag and leave its control group, so an interrupt sent for the
new turn was never heard."""

from __future__ import annotations

import asyncio

from sessions_app.agent import interrupts
from sessions_app.broadcast import send_interrupt

SESSION = 424242


async def test_old_drain_unwatch_keeps_the_new_drains_interrupts():
    await interrupts.watch(SESSION)  # the old drain
    new = await interrupts.watch(SESSION)  # the drain that took over
    await interrupts.unwatch(SESSION)  # the old drain ends
    try:
        new.clear()
        await send_interrupt(SESSION)
        await asyncio.wait_for(new.wait(), 5)
    finally:
        await interrupts.unwatch(SESSION)
        await interrupts.settle()
    # Other tests' loops may have left theirs: this loop's reader is the one that must stop.
    loop_id = id(asyncio.get_running_loop())
    assert loop_id not in interrupts._listeners, "the reader stops once nobody watches"
