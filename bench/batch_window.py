"""Benchmark 13: a batch of 100 rooms made from the window's New rooms…, under the plan's budget.

The main window holds 100,000 rooms (as benchmark 4's) against the emulator in a process of its
own, answering in 50–300 ms with a budget of 100 points per rolling window of W seconds, the
smallest plan's (Whereby's, and the one benchmark 5's batch waits for). The session's scheduler
is given the same window. New rooms… is opened, a number of rooms (the count source) previewed,
and the dialog's own Create pressed; the run ends when the dialog is done (its Close enabled).

* Total time, from Create until every room is made, against the least time the budget allows
  (see :func:`bench.ratelimit.budget_floor`): the last of 100 creates (3 points each) cannot be
  sent before three windows have passed, and then takes one request's time, the median of
  single creates timed against another emulator with the same latency. Target: within 1.1× of
  that, with no 429 answered.
* Window stalls during that batch: the longest gap between 5 ms timer ticks on the GUI thread,
  as benchmark 4 measures it (each room made is added to the window's list and the dialog's
  table; the status bar counts down while the queue waits). Baseline: the same timer with
  nothing running, for as long as the batch took (at most ``IDLE_CAP`` seconds).

Steady state, as benchmark 5: the app's scheduler has heard from the server before a batch (the
start-up refresh). Here the start-up refresh is refused (see bench.emulator_child), so the
emulator's budget is reset afterwards and one GET of one meeting (1 point) goes through the
same scheduler first, untimed.

Scaling: W is 60 s by default (``--window-seconds``); quick mode makes 10 rooms in a 1 s window
with a budget of 10 points (it still binds: three windows of waiting) beside 300 rooms.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import gui
from bench.core import Options, Result, Summary, Target, at_most
from bench.emulator_child import EmulatorProcess
from bench.fixtures import BENCH_API_KEY, filled_data_dir
from bench.ratelimit import WITHIN_MINIMUM, budget_floor
from bench.stalls import STALL_BUDGET_MS, TickGaps

LATENCY = 0.05
JITTER = 0.25  # answers take 50–300 ms
IDLE_CAP = 10.0  # seconds of the idle baseline: a quiet timer does not change over minutes


def run_batch_window(options: Options) -> list[Result]:
    window_seconds = options.window_seconds or (1.0 if options.quick else 60.0)
    rooms = 10 if options.quick else 100
    budget = 10 if options.quick else 100
    listed = 300 if options.quick else 100_000
    with EmulatorProcess(latency=LATENCY, jitter=JITTER) as emulator:
        single = statistics.median(gui.run(_one_create(emulator.base_url)) for _ in range(7))
    minimum = budget_floor(rooms, budget, window_seconds) + single
    walls: list[float] = []
    busy: list[float] = []
    idle: list[float] = []
    throttled: list[int] = []
    made: list[int] = []
    shown = 0
    for _ in range(options.repetitions(full=1, quick=1)):  # each run waits minutes at W = 60 s
        run = _one_batch(rooms, budget, window_seconds, listed)
        walls.append(run["seconds"])
        busy += run["gaps"]
        idle += run["idle"]
        throttled.append(run["429s"])
        made.append(run["made"])
        shown = run["shown"]
    worst_429 = max(throttled)
    every_room = min(made) == rooms

    def check(value: float, least: float | None) -> bool:
        if least is None or worst_429 or not every_room:
            return False
        return value <= WITHIN_MINIMUM * least

    total = Summary.of(walls, "s")
    runs = f"{len(walls)} run{'s' if len(walls) > 1 else ''}"
    return [
        Result(
            benchmark="batch-window",
            figure=f"{rooms} rooms from New rooms…, {budget} points per {window_seconds:g} s",
            value=total,
            baseline=Summary.of([minimum], "s"),
            baseline_label="the least time the budget allows",
            target=Target(f"≤ {WITHIN_MINIMUM:g}× the least, no 429s", check),
            notes=(
                f"{budget_floor(rooms, budget, window_seconds) / window_seconds:g} windows + one "
                f"create of {single * 1000:.0f} ms (median of 7, 50–300 ms latency); "
                f"{total.median / minimum:.3f}× that; 429s: {worst_429}; rooms made "
                f"{min(made)} of {rooms}; {runs}"
            ),
            extra={
                "window_seconds": window_seconds,
                "budget": budget,
                "rooms": rooms,
                "minimum_seconds": minimum,
                "single_create_seconds": single,
                "429s": throttled,
                "made": made,
            },
        ),
        Result(
            benchmark="batch-window",
            figure=f"Stalls during that batch, {listed:,} rooms in the list",
            value=Summary.of(busy, "ms"),
            statistic="max",
            baseline=Summary.of(idle, "ms"),
            baseline_label="the same timer, nothing running",
            target=at_most(STALL_BUDGET_MS, "ms"),
            notes=f"the window holds {shown:,} rooms; {runs}",
        ),
    ]


async def _one_create(base_url: str) -> float:
    """Seconds one create takes through roomdesk's client, nothing held back."""
    from roomdesk.api.client import WherebyClient
    from roomdesk.api.requests import MeetingRequest
    from roomdesk.api.scheduler import RateLimitScheduler

    end = datetime.now(UTC) + timedelta(hours=2)
    scheduler = RateLimitScheduler.disabled()
    async with WherebyClient(BENCH_API_KEY, base_url=base_url, scheduler=scheduler) as client:
        started = time.perf_counter()
        await client.create_meeting(MeetingRequest(end_date=end))
        return time.perf_counter() - started


def _one_batch(rooms: int, budget: int, window_seconds: float, listed: int) -> dict[str, Any]:
    """One batch from the dialog on a fresh emulator and a fresh window: its time, the timer's
    gaps during it and idle afterwards, the 429s answered and the rooms made."""
    from roomdesk.api.client import WherebyClient
    from roomdesk.api.scheduler import RateLimitScheduler

    scheduler = RateLimitScheduler(window_seconds=window_seconds)
    gaps = TickGaps()
    with (
        EmulatorProcess(
            budget=budget,
            window_seconds=window_seconds,
            latency=LATENCY,
            jitter=JITTER,
            force_status=403,
        ) as emulator,
        filled_data_dir(listed) as data_dir,
        gui.main_window(data_dir, emulator.base_url, {"scheduler": scheduler}) as window,
    ):
        emulator.force(None)  # the start-up refresh is over: answer from now on
        emulator.reset()  # a full budget, and only the batch's answers counted

        async def warm() -> None:
            # Another client of the same account shares its scheduler, as the app's do.
            async with WherebyClient(
                BENCH_API_KEY, base_url=emulator.base_url, scheduler=scheduler
            ) as client:
                await client.list_meetings_page(limit=1)

        gui.run(warm())
        dialog = window.open_batch_dialog()
        if dialog is None:
            raise RuntimeError("New rooms… did not open: the session is not ready")
        dialog.inputs.count_spin.setValue(rooms)
        dialog.inputs.label_edit.setText("Bench")
        if not gui.run(dialog.preview()):
            raise RuntimeError(f"the batch was not previewed: {dialog.problems_label.text()}")
        gui.settle(0.1)
        seconds = 0.0

        async def create() -> None:
            nonlocal seconds
            started = time.perf_counter()
            dialog.create_button.click()
            # Close is enabled again once the run is over (every row in its final state).
            while not dialog.close_button.isEnabled():
                await asyncio.sleep(0.01)
            seconds = time.perf_counter() - started

        busy = gui.run(gaps.during(create))
        made = sum(text.startswith("created: ") for text in dialog.state_texts())
        quiet = gui.run(gaps.during(lambda: asyncio.sleep(min(seconds, IDLE_CAP))))
        dialog.close()
        statuses = emulator.stats()["by_status"]
        return {
            "seconds": seconds,
            "gaps": busy,
            "idle": quiet,
            "429s": int(statuses.get("429", 0)),
            "made": made,
            "shown": window.model.rowCount(),
        }
