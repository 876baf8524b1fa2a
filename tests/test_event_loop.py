"""The app's event loop: delayed callbacks run once, in time order, and a cancelled one leaves
nothing behind (no Qt timer that fires later), including the timeouts of real requests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from roomdesk.api.client import WherebyClient
from roomdesk.api.requests import MeetingRequest
from roomdesk.ui.event_loop import AppEventLoop


def test_the_tests_run_on_the_apps_loop(aloop):
    assert isinstance(aloop.loop, AppEventLoop)


def test_delayed_callbacks_run_in_time_order_and_cancelled_ones_never(aloop):
    loop: AppEventLoop = aloop.loop
    ran: list[str] = []

    async def scenario() -> None:
        base = loop.delayed_callbacks()  # the runner's own time limit
        later = loop.call_later(0.06, ran.append, "later")
        sooner = loop.call_later(0.02, ran.append, "sooner")
        dropped = [loop.call_later(0.04, ran.append, f"dropped {n}") for n in range(500)]
        assert loop.delayed_callbacks() == base + 502
        for handle in dropped:
            handle.cancel()
        assert loop.delayed_callbacks() == base + 2  # their timers are gone, not merely skipped
        await asyncio.sleep(0.15)
        assert loop.delayed_callbacks() == base
        assert (later.cancelled(), sooner.cancelled()) == (False, False)

    aloop.run(scenario())
    assert ran == ["sooner", "later"]


def test_a_callback_may_cancel_its_own_handle_or_another(aloop):
    loop: AppEventLoop = aloop.loop
    ran: list[str] = []
    handles: dict[str, asyncio.Handle] = {}

    def first() -> None:
        ran.append("first")
        handles["first"].cancel()  # already running: nothing to kill
        handles["second"].cancel()

    async def scenario() -> int:
        base = loop.delayed_callbacks()
        handles["first"] = loop.call_later(0.01, first)
        handles["second"] = loop.call_later(0.05, ran.append, "second")
        await asyncio.sleep(0.1)
        return loop.delayed_callbacks() - base

    assert aloop.run(scenario()) == 0
    assert ran == ["first"]


def test_a_cancelled_sleep_leaves_no_timer(aloop):
    loop: AppEventLoop = aloop.loop

    async def scenario() -> None:
        base = loop.delayed_callbacks()
        sleeper = asyncio.ensure_future(asyncio.sleep(3600))
        await asyncio.sleep(0)
        assert loop.delayed_callbacks() == base + 1
        sleeper.cancel()
        await asyncio.sleep(0)
        assert loop.delayed_callbacks() == base

    aloop.run(scenario())


def test_requests_leave_no_timeout_behind(aloop, emulator):
    # Each read of an answer sets a timeout and cancels it: none may stay waiting to fire.
    loop: AppEventLoop = aloop.loop

    async def scenario() -> int:
        base = loop.delayed_callbacks()
        async with WherebyClient("test-key", base_url=emulator.base_url) as client:
            end = datetime.now(UTC) + timedelta(hours=2)
            for _ in range(20):
                await client.create_meeting(MeetingRequest(end_date=end))
            await client.list_meetings_page(limit=100)
        return loop.delayed_callbacks() - base

    assert aloop.run(scenario()) == 0
    assert len(emulator.meeting_ids()) == 20
