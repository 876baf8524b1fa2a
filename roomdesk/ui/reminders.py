"""Reminders on screen: one timer set to the planner's next wake, the message by the tray icon
(or in the window's status bar when the desktop has no tray), and the link a click opens.

What is due, and when, is decided by :class:`roomdesk.services.reminders.ReminderPlanner`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QStatusBar

from roomdesk.api.models import room_link_problem
from roomdesk.domain.times import get_zone, utc_now
from roomdesk.services.reminders import (
    ReminderLedger,
    ReminderMessage,
    ReminderPlanner,
    UpcomingSession,
    reminder_message,
    session_name,
)
from roomdesk.store import StoreError
from roomdesk.ui.tray import AppTray

if TYPE_CHECKING:
    from roomdesk.ui.main_window import MainWindow

log = logging.getLogger("roomdesk.reminders")


class ReminderTuning(NamedTuple):
    # The longest single wait, in milliseconds. Qt's timers count time the computer is awake
    # and ignore changes of its clock: a wait this long at most finds a reminder that fell due
    # during sleep, or after the clock was set, soon after.
    longest_wait_ms: int = 10 * 60 * 1000
    # Rooms change in bursts (a sync stores page after page): one look at the sessions this long
    # after the last change of a burst serves them all.
    rooms_settle_ms: int = 250


class ReminderOutput(Protocol):
    """Where a reminder goes: by the tray icon when there is one, else the status bar."""

    def tray_available(self) -> bool: ...
    def show_tray_message(self, title: str, text: str) -> None: ...
    def show_status_message(self, text: str) -> None: ...


class TrayOutput:
    """The app's :class:`ReminderOutput`: ``tray``'s messages, ``status_bar``'s otherwise."""

    def __init__(self, tray: AppTray, status_bar: QStatusBar) -> None:
        self._tray = tray
        self._status_bar = status_bar

    def tray_available(self) -> bool:
        return self._tray.is_shown

    def show_tray_message(self, title: str, text: str) -> None:
        self._tray.show_message(title, text)

    def show_status_message(self, text: str) -> None:
        # No time-out: a reminder stays until the next message takes its place.
        self._status_bar.showMessage(text)


class ReminderScheduler(QObject):
    """Shows the reminders ``planner`` finds due, for the sessions ``sessions(now)`` returns.

    One single-shot timer waits for the planner's next wake, never longer than the tuning's
    longest wait; it is set again after every look and whenever :meth:`check` is called (the
    rooms or the settings changed). ``clock`` gives the time, ``zone`` the zone the times are
    written in.
    """

    shown = Signal(object)  # the ReminderMessage just shown
    windowRequested = Signal()  # a click on a message that has no link for it to open

    def __init__(
        self,
        planner: ReminderPlanner,
        sessions: Callable[[datetime], Sequence[UpcomingSession]],
        output: ReminderOutput,
        *,
        clock: Callable[[], datetime] = utc_now,
        zone: Callable[[], tzinfo],
        tuning: ReminderTuning | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.planner = planner
        self._sessions = sessions
        self._output = output
        self._clock = clock
        self._zone = zone
        self._tuning = tuning or ReminderTuning()
        self._last: ReminderMessage | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        # A reminder should come at its minute; a coarse timer may be late by a twentieth of
        # its interval.
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.check)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(self._tuning.rooms_settle_ms)
        self._settle.timeout.connect(self.check)

    @property
    def last_message(self) -> ReminderMessage | None:
        return self._last

    def set_lead_minutes(self, minutes: int) -> None:
        self.planner.lead_minutes = minutes
        self.check()

    def rooms_changed(self, *_args: object) -> None:
        self._settle.start()  # a debounce: restarted by every change of a burst

    def check(self) -> None:
        """Read the sessions again, show what is due, and set the timer for the next look."""
        now = self._clock()
        try:
            self.planner.set_sessions(self._sessions(now))
        except StoreError as exc:  # the last sessions read stay planned
            log.warning("Could not read the planned sessions: %s", exc)
        due = self.planner.take_due(now)
        if due:
            self._show(reminder_message(due, self._zone()))
        self._arm(now)

    def _arm(self, now: datetime) -> None:
        if not self.planner.lead_minutes:
            self.timer.stop()
            return
        wait = self._tuning.longest_wait_ms
        wake = self.planner.next_wake(now)
        if wake is not None:
            # Rounded up: a timer that fires before the reminder is due only looks again.
            wait = min(wait, math.ceil((wake - now).total_seconds() * 1000))
        self.timer.start(max(wait, 0))

    def _show(self, message: ReminderMessage) -> None:
        self._last = message
        ids = ", ".join(session.meeting_id for session in message.sessions)
        if self._output.tray_available():
            self._output.show_tray_message(message.title, message.text)
            log.info("Reminder shown for %s", ids)
        else:
            self._output.show_status_message(" · ".join(message.text.splitlines()))
            log.info("Reminder shown in the status bar (no system tray) for %s", ids)
        self.shown.emit(message)

    def message_clicked(self) -> None:
        """Open the last message's link, checked to be a Whereby room link first.

        Qt's tray messages carry no buttons: a click on the message is the one action it
        offers. A message listing several sessions asks for the window instead.
        """
        message = self._last
        if message is None:
            return
        if message.link is None:
            self.windowRequested.emit()
            return
        if room_link_problem(message.link) is not None:
            # A store written by an older version, or edited by hand, may hold anything.
            self._output.show_status_message(
                f"The link stored for “{session_name(message.sessions[0])}” is not a Whereby "
                "room link (https://….whereby.com/…); it was not opened. Refresh (F5) to fetch "
                "it again."
            )
            self.windowRequested.emit()
        elif not QDesktopServices.openUrl(QUrl(message.link)):
            self._output.show_status_message("Could not open a web browser.")
            self.windowRequested.emit()

    def stop(self) -> None:
        self.timer.stop()
        self._settle.stop()


def remind_for_window(
    window: MainWindow,
    tray: AppTray,
    ledger: ReminderLedger,
    *,
    started_at: datetime,
    sessions: Callable[[datetime], Sequence[UpcomingSession]] | None = None,
    output: ReminderOutput | None = None,
    clock: Callable[[], datetime] | None = None,
    tuning: ReminderTuning | None = None,
) -> ReminderScheduler:
    """Reminders for the rooms of ``window`` (its :meth:`~MainWindow.upcoming_sessions`, unless
    ``sessions`` is given), looked at again whenever its rooms or settings change; they stop
    when it closes. Times are written in the default zone of the window's settings."""
    settings = window.settings
    planner = ReminderPlanner(ledger, started_at=started_at, lead_minutes=settings.reminder_minutes)
    scheduler = ReminderScheduler(
        planner,
        sessions or window.upcoming_sessions,
        output or TrayOutput(tray, window.statusBar()),
        clock=clock or window.session.now,
        zone=lambda: get_zone(settings.default_zone),
        tuning=tuning,
        parent=window,
    )
    session = window.session
    for changed in (session.roomUpserted, session.roomsReplaced, session.roomsStored):
        changed.connect(scheduler.rooms_changed)
    window.settingsSaved.connect(tray.update_from_settings)
    window.settingsSaved.connect(lambda: scheduler.set_lead_minutes(settings.reminder_minutes))
    tray.messageClicked.connect(scheduler.message_clicked)
    window.closed.connect(scheduler.stop)
    scheduler.check()
    return scheduler
