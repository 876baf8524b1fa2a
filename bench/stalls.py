"""Benchmark 4: event-loop stalls, the longest gap between 5 ms timer ticks on the qasync loop.

A 5 ms QTimer runs on the app's own loop (qasync over the QApplication, the main window shown)
while work runs; each figure is the largest gap between two ticks (and the end of the work), so
a stall of the GUI thread shows up as one long gap. Baseline, measured before each piece of
work: the same timer for the same time with nothing running.

* 200 concurrent room creates through the app's session (store writes, the window's updates)
  against the emulator answering in 50–300 ms, the window holding 100,000 rooms.
* A first sync of 100,000 rooms, stored as the sync stores them: per page of 100 (made as it
  arrives), the sync's ``store_page`` in its store thread (a lookup of the page's meetings,
  ``upsert_many_imported``, the page's rooms read back), the rooms announced with the session's
  ``roomsStored`` signal (to which the window reacts with one batch update of the model), then
  an await. Stopped after ``SYNC_TIME_CAP`` seconds if it has not finished by then.
* The same walk again, as the next refresh makes it: every room already stored, nothing
  changed, every page announced to the window all the same.
* The walk once more with every room's host link changed: each row changes where it is. Past
  rooms are hidden (the window's default), so most pages change rows the filter does not show.
* A full reload of 100,000 rooms as the window does it (``reload_rooms``, on start-up and when
  the session switches account): the first 100 rooms are shown at once, and the whole list is
  read and prepared in a worker thread and then swapped into the table. Three reloads one after
  another; the figure is the largest gap of all three.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer

from bench import gui
from bench.core import Options, Result, Summary, at_most
from bench.emulator_child import EmulatorProcess
from bench.fixtures import filled_data_dir, iter_meetings

if TYPE_CHECKING:
    from roomdesk.api.models import Meeting

STALL_BUDGET_MS = 25.0
TICK_MS = 5
PAGE = 100
SYNC_TIME_CAP = 60.0  # seconds; a sync that slows down page by page is cut off here


class TickGaps:
    """Records a 5 ms timer's ticks; ``gaps_ms()`` are the times between them."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._ticks: list[float] = []

    def _tick(self) -> None:
        self._ticks.append(time.perf_counter())

    async def during(self, work: Callable[[], Awaitable[object]]) -> list[float]:
        """Gaps (ms) while ``work()`` runs, from a little before it to a little after."""
        self._ticks = [time.perf_counter()]
        self._timer.start()
        await asyncio.sleep(0.05)
        await work()
        await asyncio.sleep(0.05)
        self._timer.stop()
        self._ticks.append(time.perf_counter())
        ticks = self._ticks
        return [(later - earlier) * 1000 for earlier, later in itertools.pairwise(ticks)]


async def _idle(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _measure(gaps: TickGaps, work: Callable[[], Awaitable[object]]) -> tuple[list[float], float]:
    """(gaps during ``work``, seconds it took)."""
    started = time.perf_counter()
    measured = gui.run(gaps.during(work))
    return measured, time.perf_counter() - started - 0.1


def _result(figure: str, gaps: list[float], idle: list[float], notes: str) -> Result:
    return Result(
        benchmark="stalls",
        figure=figure,
        value=Summary.of(gaps, "ms"),
        statistic="max",
        baseline=Summary.of(idle, "ms"),
        baseline_label="the same timer, nothing running",
        target=at_most(STALL_BUDGET_MS, "ms"),
        notes=notes,
    )


def run_stalls(options: Options) -> list[Result]:
    size = 300 if options.quick else 100_000
    creates = 20 if options.quick else 200
    results: list[Result] = []
    gaps = TickGaps()
    with EmulatorProcess(latency=0.05, jitter=0.25, force_status=403) as emulator:
        url = emulator.base_url
        with filled_data_dir(size) as data_dir, gui.main_window(data_dir, url) as window:
            emulator.force(None)  # the start-up refresh is over: answer from now on
            results += _concurrent_creates(window, gaps, creates)
            results += _full_reloads(window, gaps, size, options.repetitions(full=3, quick=1))
        emulator.force(403)
        with filled_data_dir(0) as data_dir, gui.main_window(data_dir, url) as window:
            results += _sync_pages(window, gaps, data_dir, size)
    return results


def _concurrent_creates(window: object, gaps: TickGaps, count: int) -> list[Result]:
    from roomdesk.api.requests import MeetingRequest

    session = window.session  # type: ignore[attr-defined]
    end = datetime.now(UTC) + timedelta(hours=2)

    async def create_all() -> None:
        requests = [MeetingRequest(end_date=end + timedelta(minutes=n)) for n in range(count)]
        await asyncio.gather(
            *(session.create_room(request, f"Bench {n}") for n, request in enumerate(requests))
        )

    busy, seconds = _measure(gaps, create_all)
    idle, _ = _measure(gaps, lambda: _idle(seconds))
    shown = window.model.rowCount()  # type: ignore[attr-defined]
    return [
        _result(
            f"{count} concurrent creates, 50–300 ms latency",
            busy,
            idle,
            f"{seconds:.1f} s for all; the window holds {shown:,} rooms",
        )
    ]


def _full_reloads(window: object, gaps: TickGaps, size: int, repeat: int) -> list[Result]:
    async def reload_as_wired() -> None:
        loaded = asyncio.Event()
        window.roomsLoaded.connect(loaded.set)  # type: ignore[attr-defined]
        window.reload_rooms()  # type: ignore[attr-defined]
        await loaded.wait()
        window.roomsLoaded.disconnect(loaded.set)  # type: ignore[attr-defined]

    wired: list[float] = []
    idle: list[float] = []
    durations: list[float] = []
    for _ in range(repeat):  # every gap of every reload counts: the figure is the largest
        busy, seconds = _measure(gaps, reload_as_wired)
        wired += busy
        durations.append(seconds)
        idle += _measure(gaps, functools.partial(_idle, max(seconds, 0.5)))[0]
    wired_seconds = statistics.median(durations)
    return [
        _result(
            f"Full reload of {size:,} rooms (start-up, account switch)",
            wired,
            idle,
            f"{wired_seconds:.2f} s until shown (median of {repeat}): the first 100 rooms at "
            "once, then the store's column snapshot read and prepared in a worker thread and "
            "swapped into the table",
        )
    ]


def _sync_pages(window: object, gaps: TickGaps, data_dir: Path, size: int) -> list[Result]:
    from roomdesk.paths import app_paths
    from roomdesk.services.store_thread import StoreThread
    from roomdesk.services.sync import store_page

    session = window.session  # type: ignore[attr-defined]
    writes = StoreThread(app_paths({"ROOMDESK_DATA_DIR": str(data_dir)}).store_file)
    listed_at = datetime.now(UTC)  # both walks list the very same rooms
    stored = 0

    async def sync(change: Callable[[Meeting], Meeting] | None = None) -> None:
        nonlocal stored
        stored = 0
        deadline = time.perf_counter() + SYNC_TIME_CAP
        # Made page by page, as a sync receives them: a sync never holds the whole list.
        meetings = iter_meetings(size, seed=11, now=listed_at)
        if change is not None:
            meetings = map(change, meetings)
        while page := list(itertools.islice(meetings, PAGE)):
            # As the sync stores a page: in its store thread, then announced to the window.
            rooms = (await writes.run(functools.partial(store_page, page))).rooms
            session.roomsStored.emit(rooms)
            stored += len(page)
            await asyncio.sleep(0)
            if time.perf_counter() > deadline:
                return

    results = []
    try:
        for figure, change, notes in (
            (f"Sync of {size:,} rooms stored page by page", None, "the window updated per page"),
            (
                f"Refresh of {size:,} rooms stored already, nothing changed",
                None,
                "every page announced to the window again, as a refresh does",
            ),
            (
                f"Refresh of {size:,} rooms, every room's host link changed",
                _new_room_key,
                "each row changes in place; past rooms (a third) are hidden, so most pages "
                "change rows the filter does not show",
            ),
        ):
            busy, seconds = _measure(gaps, functools.partial(sync, change))
            idle, _ = _measure(gaps, functools.partial(_idle, min(seconds, 5.0)))
            finished = "" if stored == size else f"; stopped after {SYNC_TIME_CAP:g} s"
            results.append(
                _result(
                    figure, busy, idle, f"{stored:,} rooms in {seconds:.1f} s{finished}; {notes}"
                )
            )
    finally:
        writes.close()
    return results


def _new_room_key(meeting: Meeting) -> Meeting:
    """``meeting`` with another room key in its host link: the row changes, its place does not."""
    return meeting._replace(host_room_url=f"{meeting.host_room_url}0")
