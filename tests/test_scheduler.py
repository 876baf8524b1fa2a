"""The rate-limit scheduler on a fake clock: admission, FIFO order, learning, pauses, listeners."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Coroutine
from typing import Any

import pytest

from roomdesk.api.scheduler import (
    EXPIRY_MARGIN_FRACTION,
    Permit,
    RateLimitScheduler,
    SchedulerState,
)

WINDOW = 60.0
EXPIRY_MARGIN = WINDOW * EXPIRY_MARGIN_FRACTION
# Just past the moment a spend leaves the window.
ROLL = WINDOW + EXPIRY_MARGIN + 0.001


class FakeTime:
    """A clock that moves only when the test says so; sleepers wake once their time has come."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        entry = (self.now + seconds, asyncio.get_running_loop().create_future())
        self._sleepers.append(entry)
        try:
            await entry[1]
        finally:
            self._sleepers.remove(entry)

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, woken in list(self._sleepers):
            # The tolerance absorbs float rounding between "now + (deadline - now)" and deadline.
            if deadline <= self.now + 1e-9 and not woken.done():
                woken.set_result(None)
        await settle()

    def wake_all_early(self, fraction: float) -> None:
        """Return from every sleep when only ``fraction`` of it has passed."""
        for deadline, woken in list(self._sleepers):
            self.now += (deadline - self.now) * fraction
            woken.set_result(None)

    @property
    def sleeping(self) -> int:
        return len(self._sleepers)


async def settle() -> None:
    """Let every task that can make progress do so."""
    for _ in range(1000):
        await asyncio.sleep(0)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def make(fake: FakeTime, **options: Any) -> RateLimitScheduler:
    options.setdefault("probe_first", False)
    options.setdefault("safety_fraction", 0.0)
    options.setdefault("window_seconds", WINDOW)
    scheduler = RateLimitScheduler(clock=fake.clock, sleep=fake.sleep, **options)
    if "budget" in options:
        scheduler.observe(limit=options["budget"])
    return scheduler


def start(scheduler: RateLimitScheduler, cost: int, **options: Any) -> asyncio.Task[Permit]:
    return asyncio.ensure_future(scheduler.acquire(cost, **options))


async def spend(scheduler: RateLimitScheduler, *costs: int) -> None:
    """Requests that were admitted at once and answered."""
    for cost in costs:
        permit = await asyncio.wait_for(scheduler.acquire(cost), 1)
        permit.settle()


def test_admits_within_budget_without_waiting():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=10)
        permits = [await scheduler.acquire(cost) for cost in (3, 3, 2, 1, 1)]
        assert scheduler.available == 0
        assert fake.sleeps == []
        late = start(scheduler, 1)
        await settle()
        assert not late.done() and scheduler.queued == 1
        late.cancel()
        return permits

    assert len(run(scenario())) == 5


def test_queues_beyond_budget_and_releases_as_the_window_rolls():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=10)
        await spend(scheduler, 3, 3, 3)  # at t=1000
        await fake.advance(10)
        waiting = start(scheduler, 3)
        await settle()
        assert not waiting.done()
        await fake.advance(WINDOW - 10)  # the spends are exactly a window old: not yet gone
        assert not waiting.done()
        await fake.advance(EXPIRY_MARGIN + 0.001)
        assert waiting.done()
        # One sleep, straight to when the oldest spend leaves the window: no polling.
        assert fake.sleeps == [pytest.approx(WINDOW - 10 + EXPIRY_MARGIN)]

    run(scenario())


def test_points_count_from_the_answer_and_block_while_in_flight():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=10)
        in_flight = await scheduler.acquire(10)
        waiting = start(scheduler, 1)
        await fake.advance(2 * WINDOW)
        assert not waiting.done()  # the answer may still be booked by the server
        assert fake.sleeps == []  # nothing to time: it waits for the answer
        in_flight.settle()
        await settle()
        assert not waiting.done()
        await fake.advance(ROLL)
        assert waiting.done()

    run(scenario())


def test_first_in_first_out_so_a_big_create_is_not_starved_by_reads():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=10)
        await spend(scheduler, 3, 3, 3)  # 1 point left: enough for a GET, not a POST
        admitted: list[str] = []

        async def request(name: str, cost: int) -> None:
            permit = await scheduler.acquire(cost)
            admitted.append(name)
            permit.settle()

        tasks = [asyncio.ensure_future(request("post", 3))]
        await settle()
        for index in range(5):
            tasks.append(asyncio.ensure_future(request(f"get{index}", 1)))
            await fake.advance(1)
        assert admitted == []  # the free point is not given to a later GET
        assert scheduler.queued == 6
        await fake.advance(WINDOW)
        await asyncio.gather(*tasks)
        return admitted

    assert run(scenario()) == ["post", "get0", "get1", "get2", "get3", "get4"]


def test_cold_start_sends_one_probe_then_uses_the_budget_the_server_states():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, probe_first=True)
        assert (scheduler.budget, scheduler.budget_learned) == (100, False)
        probe = await scheduler.acquire(1)
        others = [start(scheduler, 3) for _ in range(200)]
        await settle()
        assert not any(task.done() for task in others)  # even though 100 points would allow
        probe.settle()
        scheduler.observe(limit=1000, remaining=999)
        await settle()
        assert (scheduler.budget, scheduler.budget_learned) == (1000, True)
        assert sum(task.done() for task in others) == 200
        assert fake.sleeps == []

    run(scenario())


def test_a_probe_that_never_reached_the_server_is_followed_by_another_probe():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, probe_first=True)
        probe = await scheduler.acquire(1)
        second, third = start(scheduler, 1), start(scheduler, 1)
        await settle()
        probe.refund()  # connection refused: nothing learned
        await settle()
        assert second.done() and not third.done()
        second.result().settle()  # answered, even without rate-limit headers
        await settle()
        assert third.done()
        assert scheduler.budget == 100  # the assumption stands until the server states one

    run(scenario())


def test_believes_a_lower_remaining_but_not_a_higher_one():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=100)
        await spend(scheduler, 3, 3, 3, 1)  # 10 of ours
        scheduler.observe(limit=100, remaining=40)  # others spent 50 of the shared budget
        assert scheduler.available == 40
        scheduler.observe(limit=100, remaining=95)  # stale, or ours not booked yet: ignored
        assert scheduler.available == 40
        big = start(scheduler, 45)
        await settle()
        assert not big.done()
        await fake.advance(ROLL)
        assert big.done()
        assert scheduler.available == 55

    run(scenario())


def test_safety_reserve_is_kept_back_from_the_stated_budget():
    fake = FakeTime()
    scheduler = RateLimitScheduler(clock=fake.clock, sleep=fake.sleep)
    scheduler.observe(limit=100)
    assert scheduler.available == 98
    scheduler.observe(limit=1000)
    assert scheduler.available == 980
    scheduler.observe(limit=30)
    assert scheduler.available == 29


def test_a_request_dearer_than_the_budget_goes_once_the_window_is_empty():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=2)
        await spend(scheduler, 1)
        dear = start(scheduler, 3)
        await settle()
        assert not dear.done()
        await fake.advance(ROLL)
        assert dear.done()

    run(scenario())


def test_throttle_pauses_everyone_then_one_probe_then_the_rest():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=100)
        throttled, answered = await scheduler.acquire(3), await scheduler.acquire(1)
        throttled.throttled(10.0)
        assert scheduler.paused_until == pytest.approx(fake.now + 10)
        assert throttled.throttle_wait == 10
        waiting = [start(scheduler, 1) for _ in range(3)]
        await settle()
        answered.settle()  # an answer arriving during the pause does not lift it
        await fake.advance(9.9)
        assert not any(task.done() for task in waiting)
        assert scheduler.resume_in == pytest.approx(0.1)
        await fake.advance(0.2)
        assert [task.done() for task in waiting] == [True, False, False]
        assert scheduler.paused_until is None
        waiting[0].result().settle()
        await settle()
        assert all(task.done() for task in waiting)
        # 1 answered during the pause + 3 × 1 after it; the throttled request was not charged
        assert scheduler.available == 100 - 1 - 3

    run(scenario())


def test_pause_is_extended_by_a_longer_wait_never_shortened():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=100)
        first, second, third = [await scheduler.acquire(1) for _ in range(3)]
        first.throttled(10.0)
        second.throttled(3.0)
        assert scheduler.paused_until == pytest.approx(fake.now + 10)
        third.throttled(20.0)
        assert scheduler.paused_until == pytest.approx(fake.now + 20)

    run(scenario())


def test_an_absurd_wait_holds_the_queue_two_windows_at_most():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=100)
        permit = await scheduler.acquire(1)
        permit.throttled(1e300)
        assert scheduler.paused_until == pytest.approx(fake.now + 2 * WINDOW)

    run(scenario())


@pytest.mark.parametrize(
    ("wait", "pause"), [(math.inf, 2 * WINDOW), (math.nan, 0.0), (-1e300, 0.0), (-math.inf, 0.0)]
)
def test_a_meaningless_wait_pauses_within_bounds_and_reads_as_a_short_number(wait, pause):
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=100)
        permit = await scheduler.acquire(1)
        queued = start(scheduler, 1)
        permit.throttled(wait)
        await settle()
        assert permit.throttle_wait == pause
        state = scheduler.state
        assert state.resume_in == pytest.approx(pause)
        assert len(state.describe()) < 60
        await fake.advance(pause + 0.001)
        assert queued.done()

    run(scenario())


def test_a_disabled_scheduler_bounds_a_throttled_retry_too():
    async def scenario():
        fake = FakeTime()
        scheduler = RateLimitScheduler.disabled(sleep=fake.sleep)
        permit = await scheduler.acquire(1)
        permit.throttled(math.inf)
        retry = start(scheduler, 1, retry_of=permit)
        await settle()
        await fake.advance(2 * WINDOW + 0.001)
        assert retry.done()

    run(scenario())


def test_a_retry_keeps_its_place_ahead_of_later_arrivals():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=100)
        admitted: list[str] = []

        async def request(name: str) -> None:
            permit = await scheduler.acquire(3)
            admitted.append(name)
            permit.settle()

        first = await scheduler.acquire(3)
        first.throttled(5.0)
        later = [asyncio.ensure_future(request(name)) for name in ("b", "c")]
        await settle()
        retry = start(scheduler, 3, retry_of=first)
        await fake.advance(5.0)
        assert retry.done() and admitted == []  # the retry is the probe after the pause
        retry.result().settle()
        admitted.insert(0, "a")
        await asyncio.gather(*later)
        return admitted

    assert run(scenario()) == ["a", "b", "c"]


def test_cancelled_waiters_leave_no_points_and_no_gap():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=10)
        await spend(scheduler, 5, 5)
        head, middle, tail = start(scheduler, 3), start(scheduler, 2), start(scheduler, 1)
        await settle()
        assert fake.sleeping == 1  # only the head waits on the clock
        middle.cancel()
        await settle()
        assert scheduler.queued == 2
        head.cancel()  # while it sleeps until the window rolls
        await settle()
        assert scheduler.queued == 1 and fake.sleeping == 1  # the tail took over the timed wait
        await fake.advance(ROLL)
        assert tail.done() and head.cancelled() and middle.cancelled()
        assert scheduler.available == 9  # only the tail's point is booked

    run(scenario())


def test_listeners_hear_queue_pause_resume_and_budget_changes():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, probe_first=True)
        heard: list[SchedulerState] = []
        scheduler.add_listener(heard.append)
        probe = await scheduler.acquire(1)
        waiting = [start(scheduler, 1) for _ in range(2)]
        await settle()
        probe.throttled(5.0)
        scheduler.observe(limit=30)
        await fake.advance(5.0)
        waiting[0].result().settle()
        await settle()
        scheduler.remove_listener(heard.append)
        scheduler.observe(limit=60)  # no longer heard
        return heard

    heard = run(scenario())
    summary = [(state.queued, state.paused, state.budget) for state in heard]
    assert summary == [
        (1, False, 100),
        (2, False, 100),
        (2, True, 100),
        (2, True, 30),
        (1, False, 30),  # resumed: the probe went
        (0, False, 30),
    ]
    paused = heard[2]
    assert paused.describe() == "Rate limited — resuming in 5 s, 2 requests waiting"
    assert heard[1].describe() == "2 requests waiting for the rate limit"
    assert heard[-1].describe() == ""


def test_a_failing_listener_is_logged_not_raised(caplog):
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=1)

        def broken(state: SchedulerState) -> None:
            raise RuntimeError("a status bar bug")

        scheduler.add_listener(broken)
        await spend(scheduler, 1)
        waiting = start(scheduler, 1)
        await settle()
        assert scheduler.queued == 1
        await fake.advance(ROLL)
        return waiting.done()

    with caplog.at_level(logging.ERROR, "roomdesk.api.scheduler"):
        assert run(scenario())
    assert "listener failed" in caplog.text


def test_a_sleep_that_returns_at_once_drives_simulated_time_instead_of_spinning():
    sleeps: list[float] = []

    async def instant_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario():
        # As in the client's unit tests: a fake sleep that returns at once, and no clock.
        scheduler = RateLimitScheduler.simulated(instant_sleep)
        scheduler.observe(limit=3)
        await spend(scheduler, 3)
        (await asyncio.wait_for(scheduler.acquire(3), 1)).refund()
        first = await scheduler.acquire(1)
        first.throttled(7.0)
        await asyncio.wait_for(scheduler.acquire(1, retry_of=first), 1)

    run(scenario())
    assert sleeps == [pytest.approx(WINDOW + EXPIRY_MARGIN), pytest.approx(7.0)]


def test_an_early_timer_is_followed_by_a_sleep_for_the_rest():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=1)
        await spend(scheduler, 1)
        waiting = start(scheduler, 1)
        await settle()
        fake.wake_all_early(fraction=0.95)  # as Qt's coarse timers may
        await settle()
        assert not waiting.done()
        await fake.advance(ROLL)
        assert waiting.done()
        return fake.sleeps

    first, rest = run(scenario())
    assert first == pytest.approx(WINDOW + EXPIRY_MARGIN)
    assert rest == pytest.approx(0.05 * first)


def test_disabled_scheduler_admits_everything_and_delays_only_a_throttled_retry():
    async def scenario():
        fake = FakeTime()
        scheduler = RateLimitScheduler.disabled(sleep=fake.sleep)
        permits = [await scheduler.acquire(3) for _ in range(500)]
        permits[0].throttled(5.0)
        retry = start(scheduler, 3, retry_of=permits[0])
        other = start(scheduler, 3)
        await settle()
        assert other.done() and not retry.done()
        assert (scheduler.queued, scheduler.paused_until) == (0, None)
        await fake.advance(5.0)
        assert retry.done()

    run(scenario())


def test_closing_a_permit_twice_changes_nothing():
    async def scenario():
        fake = FakeTime()
        scheduler = make(fake, budget=10)
        permit = await scheduler.acquire(4)
        permit.refund()
        permit.settle()  # the client's safety net after an earlier close
        assert permit.closed
        assert scheduler.available == 10

    run(scenario())


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        RateLimitScheduler(budget=0)
    with pytest.raises(ValueError):
        RateLimitScheduler(window_seconds=0)
    with pytest.raises(ValueError):
        run(RateLimitScheduler().acquire(0))
