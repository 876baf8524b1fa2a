"""Benchmark 5: a batch of room creates under Whereby's point budget, scheduled and naive.

A batch of creates (3 points each) is sent at once (``asyncio.gather``) through roomdesk's client
against a fresh emulator with a budget of B points per rolling window of W seconds, answering in
50 ms. Scheduled: the client as the app uses it, its rate-limit scheduler on. Naive: the same
client with ``RateLimitScheduler.disabled()``, every request sent at once and each 429 retried
after the wait the server asks for. Both get a retry policy generous enough to finish.

The minimum the budget allows: with k = floor(B / 3) creates per window and a full budget at the
start, the last of N creates cannot be sent before (ceil(N / k) - 1) · W, and then takes one
request's time (measured alone beforehand). With 100 creates, 100 points a minute binds (three
windows of waiting); 1,000 points do not (the whole batch fits the first window).

Steady state: the app's scheduler lives as long as the account is open and has learned the
budget from the start-up refresh before anyone creates a batch. So each client first makes one
GET of one meeting (1 point, untimed), as that refresh does; only then does the clock start. A
scheduler that has never heard from the server sends one probe first and waits for its answer
(see :mod:`roomdesk.api.scheduler`): one round trip, once per session.

Scaling: W is the emulator's ``rate_window_seconds`` and the scheduler's ``window_seconds``
(``--window-seconds``; 60 s as at Whereby by default, 1 s with ``--quick``). Waiting scales with
W and nothing else does, so results are also given in windows; quick mode also shrinks the batch
to 6 creates and the budgets to 10 and 100 points, keeping the same shape (the small budget
binds, the large one does not).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench import gui
from bench.core import Options, Result, Summary, Target
from bench.emulator_child import EmulatorProcess
from bench.fixtures import BENCH_API_KEY

CREATE_COST = 3
LATENCY = 0.05
WITHIN_MINIMUM = 1.1


def budget_floor(count: int, budget: int, window: float, cost: int = CREATE_COST) -> float:
    """The earliest second the last of ``count`` requests may be sent (see the module notes)."""
    per_window = budget // cost
    if per_window == 0:
        return math.inf
    return (math.ceil(count / per_window) - 1) * window


async def _create_batch(
    base_url: str, count: int, window: float, *, naive: bool, warm: bool = True
) -> float:
    """Seconds to create ``count`` rooms at once through roomdesk's client (after one GET when
    ``warm``, as in the app, where the start-up refresh comes first)."""
    from roomdesk.api.client import RetryPolicy, WherebyClient
    from roomdesk.api.requests import MeetingRequest
    from roomdesk.api.scheduler import RateLimitScheduler

    scheduler = (
        RateLimitScheduler.disabled() if naive else RateLimitScheduler(window_seconds=window)
    )
    retry = RetryPolicy(max_attempts=50, total_seconds=window * 20 + 60)
    end = datetime.now(UTC) + timedelta(hours=2)
    async with WherebyClient(
        BENCH_API_KEY, base_url=base_url, retry=retry, scheduler=scheduler
    ) as client:
        if warm:
            await client.list_meetings_page(limit=1)
        started = time.perf_counter()
        await asyncio.gather(
            *(client.create_meeting(MeetingRequest(end_date=end)) for _ in range(count))
        )
        return time.perf_counter() - started


async def _one_create(base_url: str) -> float:
    return await _create_batch(base_url, 1, 60.0, naive=True, warm=False)


def run_batch_create(options: Options) -> list[Result]:
    window = options.window_seconds or (1.0 if options.quick else 60.0)
    count = 6 if options.quick else 100
    budgets = (10, 100) if options.quick else (100, 1000)
    with EmulatorProcess(latency=LATENCY) as emulator:
        single = statistics.median(gui.run(_one_create(emulator.base_url)) for _ in range(5))
    results = []
    for budget in budgets:
        # A batch the budget binds spends minutes waiting (once each way by default); one that
        # it does not takes a fraction of a second, so it is timed several times.
        binds = budget_floor(count, budget, window) > 0
        repeat = options.repetitions(full=1 if binds else 7, quick=1)
        walls: dict[bool, list[float]] = {False: [], True: []}
        throttled: dict[bool, list[int]] = {False: [], True: []}
        for _ in range(repeat):
            for naive in (False, True):  # each run on a fresh emulator: a full budget
                with EmulatorProcess(
                    budget=budget, window_seconds=window, latency=LATENCY
                ) as emulator:
                    walls[naive].append(
                        gui.run(_create_batch(emulator.base_url, count, window, naive=naive))
                    )
                    throttled[naive].append(emulator.stats()["by_status"].get("429", 0))
        floor = budget_floor(count, budget, window)
        minimum = floor + single
        scheduled_429 = max(throttled[False])
        if binds:
            text = f"≤ {WITHIN_MINIMUM:g}× minimum, no 429s, faster than naive"
        else:
            # Nothing waits: both ways send every request at once, so the scheduler can only
            # match the naive way; what is judged is that it costs no measurable time.
            text = f"no 429s, ≤ {WITHIN_MINIMUM:g}× naive (nothing to queue)"

        def check(
            value: float,
            naive_wall: float | None,
            minimum: float = minimum,
            binds: bool = binds,
            scheduled_429: int = scheduled_429,
        ) -> bool:
            if naive_wall is None or scheduled_429 != 0:
                return False
            if binds:
                return value <= WITHIN_MINIMUM * minimum and value < naive_wall
            return value <= WITHIN_MINIMUM * naive_wall

        scheduled = Summary.of(walls[False], "s")
        results.append(
            Result(
                benchmark="ratelimit",
                figure=f"{count} creates at once, {budget} points per {window:g} s window",
                value=scheduled,
                baseline=Summary.of(walls[True], "s"),
                baseline_label="the same client, scheduler disabled (naive: retry each 429)",
                target=Target(text, check),
                notes=(
                    f"minimum the budget allows {minimum:.2f} s "
                    f"({floor / window:g} windows + one request of {single * 1000:.0f} ms); "
                    f"scheduled {scheduled.median / minimum:.2f}× that, "
                    f"{scheduled.median / window:.2f} windows; "
                    f"429s: scheduled {scheduled_429}, naive {max(throttled[True])}; "
                    f"{repeat} run{'s' if repeat > 1 else ''} each way (median)"
                ),
                extra={
                    "window_seconds": window,
                    "budget": budget,
                    "creates": count,
                    "minimum_seconds": minimum,
                    "single_request_seconds": single,
                    "scheduled_429s": throttled[False],
                    "naive_429s": throttled[True],
                },
            )
        )
    return results
