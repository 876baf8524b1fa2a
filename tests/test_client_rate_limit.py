"""The client's scheduler against the emulator's point budget, over real sockets, short windows."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from datetime import UTC, datetime, timedelta

import pytest

from roomdesk.api.client import POINT_COST, RetryPolicy, WherebyClient
from roomdesk.api.errors import RateLimitedError
from roomdesk.api.requests import MeetingRequest
from roomdesk.api.scheduler import RateLimitScheduler, SchedulerState
from roomdesk.emulator import EmulatorServer

KEY = "test-key"
BUDGET = 30
WINDOW = 1.0
FAST_RETRY = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, total_seconds=10)


@pytest.fixture
def server():
    with EmulatorServer(api_key=KEY, rate_limit_points=BUDGET, rate_window_seconds=WINDOW) as emu:
        yield emu


@pytest.fixture
def run(aloop):
    return aloop.run


def client_for(server: EmulatorServer, **options) -> WherebyClient:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("scheduler", RateLimitScheduler(window_seconds=WINDOW))
    return WherebyClient(KEY, base_url=server.base_url, **options)


def in_an_hour() -> MeetingRequest:
    return MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1))


def statuses(server: EmulatorServer) -> list[int | None]:
    return [recorded.status for recorded in server.received]


def points_charged(server: EmulatorServer) -> int:
    return sum(POINT_COST[r.method] for r in server.received if r.status and r.status < 400)


def least_time(points: int) -> float:
    """The shortest time ``points`` can be spent in: a budget now, another each window after."""
    return (math.ceil(points / BUDGET) - 1) * WINDOW


async def mixed_batch(client: WherebyClient, doomed: list[str]) -> list[object]:
    """Creates, deletes, single pages and a paged walk, all at once, as a bulk action would."""
    calls = [client.create_meeting(in_an_hour()) for _ in range(12)]
    calls += [client.delete_meeting(meeting_id) for meeting_id in doomed]
    calls += [client.list_meetings_page(limit=5) for _ in range(12)]

    async def walk() -> list[object]:
        return [m async for m in client.iter_meetings(limit=4, room_name_prefix="keep")]

    calls.append(walk())
    return await asyncio.gather(*calls, return_exceptions=True)


def seed_batch(server: EmulatorServer) -> list[str]:
    server.seed(12, room_name_prefix="keep")
    return [meeting["meetingId"] for meeting in server.seed(12, room_name_prefix="doomed")]


def test_concurrent_batch_meets_no_429_and_takes_about_the_least_time(server, run):
    doomed = seed_batch(server)

    async def scenario():
        async with client_for(server) as client:
            started = time.monotonic()
            results = await mixed_batch(client, doomed)
            return results, time.monotonic() - started, client.scheduler

    results, elapsed, scheduler = run(scenario())
    assert not [r for r in results if isinstance(r, BaseException)]
    assert 429 not in statuses(server)
    assert not set(doomed) & server.meeting_ids()
    assert len(results[-1]) == 12  # the walk saw every kept meeting
    points = points_charged(server)
    assert points > 2 * BUDGET  # the batch really needed the window to roll twice
    assert elapsed <= 1.5 * least_time(points) + 0.5
    assert (scheduler.budget, scheduler.queued, scheduler.paused_until) == (BUDGET, 0, None)


def test_the_same_batch_without_the_scheduler_runs_into_429s(server, run):
    doomed = seed_batch(server)

    async def scenario():
        naive = client_for(
            server, scheduler=RateLimitScheduler.disabled(), retry=RetryPolicy(max_attempts=1)
        )
        async with naive:
            return await mixed_batch(naive, doomed)

    results = run(scenario())
    assert any(isinstance(r, RateLimitedError) for r in results)
    # 73 points asked for at once against 30: at least 43 refused, at most 3 per request.
    assert statuses(server).count(429) >= 15


def pauses(heard: list[SchedulerState]) -> int:
    """How many times the queue went from running to paused."""
    flags = [False] + [state.paused for state in heard]
    return sum(1 for before, now in itertools.pairwise(flags) if now and not before)


def test_a_429_storm_pauses_the_queue_then_everything_completes(server, run):
    server.faults.forced_retry_after = 1
    heard: list[SchedulerState] = []

    async def scenario():
        async with client_for(server) as client:
            await client.check_key()  # the budget is known; the storm hits a session under way
            server.faults.force_status = 429
            client.scheduler.add_listener(heard.append)

            async def end_storm_after_second_pause() -> None:
                while pauses(heard) < 2:
                    await asyncio.sleep(0.01)
                server.faults.force_status = None

            ender = asyncio.ensure_future(end_storm_after_second_pause())
            calls = [client.create_meeting(in_an_hour()) for _ in range(4)]
            calls += [client.list_meetings_page(limit=1) for _ in range(10)]
            results = await asyncio.gather(*calls)
            await ender
            return results

    results = run(scenario())
    created = [meeting.meeting_id for meeting in results[:4]]
    assert set(created) <= server.meeting_ids()
    answered = [status for status in statuses(server) if status in (200, 201)]
    assert len(answered) == 1 + len(results)  # every call answered once: none dropped or doubled
    # The first burst met the storm; after each pause a single probe went, not the whole queue.
    assert 2 <= statuses(server).count(429) <= len(results) + 1
    assert max(state.queued for state in heard) == len(results)  # all held during the pause
    assert heard[-1].queued == 0 and not heard[-1].paused
    assert pauses(heard) == 2


def test_clients_sharing_one_scheduler_stay_within_the_budget_together(server, run):
    shared = RateLimitScheduler(window_seconds=WINDOW)

    async def scenario():
        async with (
            client_for(server, scheduler=shared) as one,
            client_for(server, scheduler=shared) as two,
        ):
            assert one.scheduler is two.scheduler
            return await asyncio.gather(
                *(one.create_meeting(in_an_hour()) for _ in range(8)),
                *(two.create_meeting(in_an_hour()) for _ in range(8)),
                *(two.list_meetings_page(limit=1) for _ in range(10)),
            )

    results = run(scenario())
    assert len(results) == 26
    assert points_charged(server) == 58
    assert 429 not in statuses(server)


def test_points_spent_by_another_app_are_learned_from_the_first_answer(server, run):
    async def scenario():
        # Another app of the organisation, with no scheduler of ours, spends most of the budget.
        async with client_for(server, scheduler=RateLimitScheduler.disabled()) as other:
            await asyncio.gather(*(other.create_meeting(in_an_hour()) for _ in range(8)))
        async with client_for(server) as client:
            return await asyncio.gather(*(client.list_meetings_page(limit=1) for _ in range(12)))

    results = run(scenario())
    assert len(results) == 12
    # 24 points were gone; a client trusting only its own ledger would have sent 12 GETs at once.
    assert 429 not in statuses(server)
