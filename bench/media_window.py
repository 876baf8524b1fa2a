"""Benchmark 11: a room's "After the session" window, beside a main window of 100,000 rooms.

* Attendance of a session with 1,000 people (one to four stays each, see bench.attendance),
  kept in the store as a fetch keeps it: from selecting the session in the Attendance tab until
  the people table and the timeline are painted (reading the stays back from the store, merging
  them, filling the table, drawing the rows in view). Each run selects another session first.
  Baseline, interleaved: a plain QTableView over a QStringListModel given the same 1,000 names
  and painted: what showing that many rows costs without anything of roomdesk's.
* Stalls while the Recordings tab downloads a large recording from the emulator (in a process
  of its own): the longest gap between 5 ms timer ticks on the GUI thread, as benchmark 4
  measures it, the download's progress bar updating as it goes. Baseline: the same timer for
  the same time with nothing running.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStringListModel
from PySide6.QtWidgets import QTableView

from bench import gui
from bench.attendance import START, sample_stays
from bench.core import Options, Result, Summary, at_most
from bench.details_pane import time_until_painted
from bench.emulator_child import EmulatorProcess
from bench.fixtures import filled_data_dir
from bench.stalls import STALL_BUDGET_MS, TickGaps

SHOWN_BUDGET_MS = 100.0


def run_media(options: Options) -> list[Result]:
    rooms = 300 if options.quick else 100_000
    people = 50 if options.quick else 1000
    size = 20_000_000 if options.quick else 1_000_000_000
    repeat = options.repetitions(full=15, quick=2)
    with EmulatorProcess(force_status=403) as emulator:
        url = emulator.base_url
        with filled_data_dir(rooms) as data_dir, gui.main_window(data_dir, url) as window:
            emulator.force(None)  # the start-up refresh is over: answer from now on
            media = _open(window, data_dir)
            try:
                results = [_attendance(window, media, people, repeat)]
                results.append(_download(window, media, emulator, data_dir, size))
            finally:
                media.close()
                gui.settle(0.1)
    return results


def _open(window: Any, data_dir: Path) -> Any:
    from roomdesk.ui.media_parts import MediaTuning
    from roomdesk.ui.media_window import MediaWindow
    from roomdesk.ui.room_table_model import RoomRole

    room = window.proxy.data(window.proxy.index(0, 0), RoomRole.ROOM)

    def choose(_parent: object, _title: str, _suggested: Path, _filters: object, chosen: Any):
        chosen(data_dir / "download.mp4")

    media = MediaWindow(
        window.session, window.settings, room, tuning=MediaTuning(choose_path=choose), parent=window
    )
    media.resize(900, 640)
    media.show()
    gui.settle(0.1)
    return media


def _attendance(window: Any, media: Any, people: int, repeat: int) -> Result:
    from roomdesk.api.insight_models import Participant, RoomSession

    big, stays = sample_stays(people)
    small = RoomSession(
        "session-0",
        "/bench",
        START - timedelta(days=7),
        START - timedelta(days=7, hours=-1),
        60,
        0,
        0,
        1,
        0,
        0,
    )
    alone = Participant(
        "session-0", "/p", "d", "u", "host", "Host", small.started_at, small.ended_at
    )
    cache = window.session.media().cache
    now = datetime.now(UTC)
    cache.replace_room_sessions(media.meeting_id, [big, small], now)
    cache.replace_participants(media.meeting_id, big.room_session_id, stays, now)
    cache.replace_participants(media.meeting_id, small.room_session_id, [alone], now)
    tab = media.attendance
    media.tabs.setCurrentWidget(tab)
    tab.show_cached()
    gui.settle(0.1)
    names = [f"Person {n}" for n in range(people)]
    baseline_view = QTableView()
    baseline_model = QStringListModel()
    baseline_view.setModel(baseline_model)
    baseline_view.resize(860, 300)
    baseline_view.show()
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        tab.sessions.selectRow(1)  # the small session: the large one is selected anew
        gui.settle(0.05)
        ours.append(time_until_painted(tab.timeline, lambda: tab.sessions.selectRow(0)) * 1000)
        assert tab.people_model.rowCount() == people
        baseline_model.setStringList([])
        gui.settle(0.05)
        bare.append(
            time_until_painted(baseline_view, lambda: baseline_model.setStringList(names)) * 1000
        )
    baseline_view.close()
    return Result(
        benchmark="media",
        figure=f"Attendance of {people:,} people shown, session selected to painted",
        value=Summary.of(ours, "ms"),
        baseline=Summary.of(bare, "ms"),
        baseline_label="a plain table given the same names",
        target=at_most(SHOWN_BUDGET_MS, "ms"),
        notes=f"{len(stays):,} stays read from the store and merged; table and timeline; "
        f"{repeat} runs",
    )


def _download(
    window: Any, media: Any, emulator: EmulatorProcess, folder: Path, size: int
) -> Result:
    recording_id = emulator.add_recording(size)
    target = folder / "download.mp4"
    gaps = TickGaps()
    service = window.session.media()

    async def download() -> None:
        media.recordings.ask_and_download(
            "recording", target.name, lambda: service.recording_access_link(recording_id)
        )
        await asyncio.wait(media.tasks.running())

    started = time.perf_counter()
    busy = gui.run(gaps.during(download))
    seconds = time.perf_counter() - started - 0.1
    if not target.exists() or target.stat().st_size != size:
        raise RuntimeError(f"the download did not finish: {media.recordings.message.text()}")
    target.unlink()

    async def idle() -> None:
        await asyncio.sleep(min(seconds, 5.0))

    quiet = gui.run(gaps.during(idle))
    shown = window.model.rowCount()
    return Result(
        benchmark="media",
        figure=f"Stalls during a download of {size / 1e9:g} GB",
        value=Summary.of(busy, "ms"),
        statistic="max",
        baseline=Summary.of(quiet, "ms"),
        baseline_label="the same timer, nothing running",
        target=at_most(STALL_BUDGET_MS, "ms"),
        notes=f"{size / seconds / 1e6:.0f} MB/s from the emulator; the window holds {shown:,} "
        "rooms",
    )
