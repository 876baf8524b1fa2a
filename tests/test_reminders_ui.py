"""Reminders on screen: the one timer, the tray message or the status bar, and the click."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from roomdesk.services.reminders import MemoryLedger, ReminderPlanner, UpcomingSession
from roomdesk.store import StoreUnavailableError
from roomdesk.ui.reminders import ReminderScheduler, ReminderTuning

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
OSLO = ZoneInfo("Europe/Oslo")
HOST_LINK = "https://team.whereby.com/coaching-1?roomKey=secret"
ROOM_LINK = "https://team.whereby.com/coaching-1"


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeOutput:
    """Records what the reminders sent; ``tray`` says whether the desktop has a tray."""

    def __init__(self, tray: bool = True) -> None:
        self.tray = tray
        self.messages: list[tuple[str, str]] = []
        self.statuses: list[str] = []

    def tray_available(self) -> bool:
        return self.tray

    def show_tray_message(self, title: str, text: str) -> None:
        self.messages.append((title, text))

    def show_status_message(self, text: str) -> None:
        self.statuses.append(text)


class UrlCatcher(QObject):
    """Receives what the app asks the desktop to open, through Qt's own URL handler hook."""

    def __init__(self):
        super().__init__()
        self.urls = []

    @Slot(QUrl)
    def open(self, url):
        self.urls.append(url.toString())


@pytest.fixture
def opened():
    catcher = UrlCatcher()
    for scheme in ("https", "http"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher.urls
    for scheme in ("https", "http"):
        QDesktopServices.unsetUrlHandler(scheme)


def coaching(starts_at=T0 + 60 * MINUTE, host=HOST_LINK, label="Coaching: Sam", meeting_id="m-1"):
    return UpcomingSession(meeting_id, label, starts_at, host, ROOM_LINK)


def make_scheduler(qapp, sessions, *, output=None, clock=None, lead=10, wait_ms=20, settle_ms=5):
    """A scheduler for ``sessions`` (a list the test may change), looking at least every
    ``wait_ms``, and ``settle_ms`` after the rooms last changed."""
    clock = clock or FakeClock()
    planner = ReminderPlanner(MemoryLedger(), started_at=T0, lead_minutes=lead)
    scheduler = ReminderScheduler(
        planner,
        lambda _now: list(sessions),
        output or FakeOutput(),
        clock=clock,
        zone=lambda: OSLO,
        tuning=ReminderTuning(longest_wait_ms=wait_ms, rooms_settle_ms=settle_ms),
    )
    return scheduler


def test_the_reminder_comes_by_the_tray_when_its_time_comes(qapp, qtbot):
    clock, output = FakeClock(), FakeOutput()
    scheduler = make_scheduler(qapp, [coaching()], output=output, clock=clock)
    scheduler.check()
    assert output.messages == []
    clock.now = T0 + 50 * MINUTE  # 13:50 UTC, ten minutes before the start
    qtbot.waitUntil(lambda: output.messages != [], timeout=2000)
    assert output.messages == [("Session starting soon", "Coaching: Sam starts at 14:00")]
    assert output.statuses == []
    scheduler.stop()


def test_the_timer_waits_for_the_next_reminder_and_no_longer_than_the_cap(qapp, qtbot):
    sessions = [coaching(starts_at=T0 + 15 * MINUTE)]  # due in five minutes
    scheduler = make_scheduler(qapp, sessions, wait_ms=10 * 60 * 1000)
    scheduler.check()
    assert scheduler.timer.isSingleShot() and scheduler.timer.isActive()
    assert scheduler.timer.interval() == 5 * 60 * 1000
    sessions[:] = [coaching(starts_at=T0 + 3 * 60 * MINUTE)]  # due in hours: the cap
    scheduler.rooms_changed()
    qtbot.waitUntil(lambda: scheduler.timer.interval() == 10 * 60 * 1000, timeout=2000)
    scheduler.stop()


def test_the_timer_fires_at_the_reminder_without_polling(qapp, qtbot):
    """The single timer is set to the wake itself: with a cap far away, the reminder still
    comes at its moment."""
    started = time.monotonic()
    clock = lambda: T0 + timedelta(seconds=time.monotonic() - started)  # noqa: E731
    output = FakeOutput()
    soon = coaching(starts_at=T0 + 10 * MINUTE + timedelta(milliseconds=150))
    scheduler = make_scheduler(qapp, [soon], output=output, clock=clock, wait_ms=60_000)
    scheduler.check()
    assert 0 < scheduler.timer.interval() <= 150
    qtbot.waitUntil(lambda: output.messages != [], timeout=3000)
    assert scheduler.timer.interval() == 60_000  # nothing more to wait for: the cap
    scheduler.stop()


def test_without_a_tray_the_reminder_goes_to_the_status_bar_and_the_log(qapp, caplog):
    clock, output = FakeClock(T0 + 51 * MINUTE), FakeOutput(tray=False)
    scheduler = make_scheduler(
        qapp,
        [coaching(), coaching(starts_at=T0 + 61 * MINUTE, label="", meeting_id="m-2")],
        output=output,
        clock=clock,
    )
    with caplog.at_level(logging.INFO, logger="roomdesk.reminders"):
        scheduler.check()
    assert output.messages == []
    assert output.statuses == ["Coaching: Sam starts at 14:00 · coaching-1 starts at 14:01"]
    assert "status bar (no system tray) for m-1, m-2" in caplog.text
    scheduler.stop()


def test_a_reminder_is_shown_once_however_often_the_rooms_change(qapp):
    clock, output = FakeClock(T0 + 50 * MINUTE), FakeOutput()
    scheduler = make_scheduler(qapp, [coaching()], output=output, clock=clock)
    scheduler.check()
    scheduler.rooms_changed()
    clock.now += MINUTE
    scheduler.check()
    assert len(output.messages) == 1
    scheduler.stop()


def test_rooms_read_again_on_a_change_bring_their_own_reminders(qapp, qtbot):
    clock, output, sessions = FakeClock(T0 + 50 * MINUTE), FakeOutput(), []
    scheduler = make_scheduler(qapp, sessions, output=output, clock=clock)
    scheduler.check()
    assert output.messages == []
    sessions.append(coaching())
    scheduler.rooms_changed()
    qtbot.waitUntil(lambda: output.messages != [], timeout=2000)
    assert output.messages == [("Session starting soon", "Coaching: Sam starts at 14:00")]


def test_a_burst_of_room_changes_reads_the_sessions_once(qapp, qtbot):
    reads = []

    def sessions(now):
        reads.append(now)
        return []

    planner = ReminderPlanner(MemoryLedger(), started_at=T0)
    scheduler = ReminderScheduler(
        planner,
        sessions,
        FakeOutput(),
        clock=FakeClock(),
        zone=lambda: UTC,
        tuning=ReminderTuning(longest_wait_ms=60_000, rooms_settle_ms=30),
    )
    for _ in range(50):  # a sync storing page after page
        scheduler.rooms_changed()
    qtbot.waitUntil(lambda: reads != [], timeout=2000)
    qtbot.wait(100)
    assert len(reads) == 1
    scheduler.stop()
    scheduler.stop()


def test_sessions_that_cannot_be_read_keep_the_last_ones_planned(qapp, caplog, tmp_path):
    clock, output = FakeClock(), FakeOutput()
    readings = [[coaching()]]

    def sessions(_now):
        if not readings:
            raise StoreUnavailableError(tmp_path, "it is locked by another program")
        return readings.pop()

    planner = ReminderPlanner(MemoryLedger(), started_at=T0)
    scheduler = ReminderScheduler(planner, sessions, output, clock=clock, zone=lambda: UTC)
    scheduler.check()
    clock.now = T0 + 50 * MINUTE
    scheduler.check()
    assert output.messages == [("Session starting soon", "Coaching: Sam starts at 13:00")]
    assert "Could not read the planned sessions" in caplog.text
    scheduler.stop()


def test_reminders_turned_off_stop_the_timer_and_on_again_start_it(qapp):
    scheduler = make_scheduler(qapp, [coaching()], lead=0)
    scheduler.check()
    assert not scheduler.timer.isActive()
    scheduler.set_lead_minutes(10)
    assert scheduler.timer.isActive()
    scheduler.set_lead_minutes(0)
    assert not scheduler.timer.isActive()


# -- a click on the message -----------------------------------------------------------------------


def shown_then_clicked(qapp, qtbot, session_list):
    output = FakeOutput()
    scheduler = make_scheduler(qapp, session_list, output=output, clock=FakeClock(T0 + 51 * MINUTE))
    scheduler.check()
    with qtbot.waitSignal(scheduler.windowRequested, timeout=200, raising=False) as asked:
        scheduler.message_clicked()
    scheduler.stop()
    return output, asked.signal_triggered


def test_a_click_opens_the_host_link(qapp, qtbot, opened):
    _output, window_asked = shown_then_clicked(qapp, qtbot, [coaching()])
    assert opened == [HOST_LINK]
    assert not window_asked


def test_a_click_opens_the_room_link_when_there_is_no_host_link(qapp, qtbot, opened):
    shown_then_clicked(qapp, qtbot, [coaching(host=None)])
    assert opened == [ROOM_LINK]


@pytest.mark.parametrize(
    "link", ["http://evil.example/phish", "https://team.whereby.com/r\x07", "javascript:x"]
)
def test_a_link_that_is_not_a_whereby_room_is_not_opened(qapp, qtbot, opened, link):
    output, window_asked = shown_then_clicked(qapp, qtbot, [coaching(host=link)])
    assert opened == []
    assert window_asked
    assert "“Coaching: Sam” is not a Whereby room link" in output.statuses[-1]


def test_a_click_on_several_sessions_brings_the_window_to_pick_one(qapp, qtbot, opened):
    both = [coaching(), coaching(starts_at=T0 + 61 * MINUTE, meeting_id="m-2")]
    output, window_asked = shown_then_clicked(qapp, qtbot, both)
    assert output.messages[0][0] == "2 sessions starting soon"
    assert opened == []
    assert window_asked


def test_a_click_before_any_reminder_does_nothing(qapp, opened):
    scheduler = make_scheduler(qapp, [])
    scheduler.message_clicked()
    assert opened == []
