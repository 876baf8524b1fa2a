"""The system tray: its icon and menu, tray mode (closing hides the window), the reminder
settings, and the reminders wired to the main window."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSystemTrayIcon

from roomdesk.api.models import Meeting
from roomdesk.app import App
from roomdesk.instance import SingleInstance
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey
from roomdesk.services.reminders import MemoryLedger, UpcomingSession
from roomdesk.store import RoomStore
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.reminders import remind_for_window
from roomdesk.ui.settings_dialog import SettingsDialog
from roomdesk.ui.tray import AppTray

# Qt's offscreen platform has no tray; a test that pretends it has one makes Qt say so once.
OFFSCREEN_TRAY = pytest.mark.qt_log_ignore("systemTrayWindowChanged")


def has_tray() -> bool:
    return True


def settings_with(*, keep_in_tray: bool = False, minutes: int = 10) -> AppSettings:
    settings = AppSettings(app_paths())
    settings.keep_in_tray = keep_in_tray
    settings.reminder_minutes = minutes
    settings.sync()
    return settings


# -- settings -------------------------------------------------------------------------------------


def test_tray_mode_is_off_and_reminders_come_ten_minutes_before_by_default():
    settings = AppSettings(app_paths())
    assert settings.keep_in_tray is False
    assert settings.reminder_minutes == 10


@pytest.mark.parametrize("stored", ["500", "-3", "soon", "7.5", ""])
def test_a_hand_edited_reminder_time_out_of_range_reads_as_the_default(stored):
    raw = QSettings(str(app_paths().ensure().settings_file), QSettings.Format.IniFormat)
    raw.setValue("reminders/lead_minutes", stored)
    raw.sync()
    assert AppSettings(app_paths()).reminder_minutes == 10


def test_a_reminder_time_out_of_range_is_not_saved():
    settings = AppSettings(app_paths())
    with pytest.raises(ValueError, match="0 \\(no reminders\\) to 120 minutes"):
        settings.reminder_minutes = 121
    assert settings.reminder_minutes == 10


def test_the_settings_dialog_saves_tray_mode_and_the_reminder_time(app_session, qtbot):
    settings = AppSettings(app_paths())
    dialog = SettingsDialog(app_session, settings)
    qtbot.addWidget(dialog)
    assert dialog.reminder_minutes.value() == 10
    assert (dialog.reminder_minutes.minimum(), dialog.reminder_minutes.maximum()) == (0, 120)
    assert not dialog.keep_in_tray.isChecked()
    assert dialog.keep_in_tray.accessibleName() == (
        "Keep running in the system tray when the window is closed"
    )
    assert "remind you" in dialog.reminder_minutes.accessibleName()
    # Offscreen has no tray: the dialog says what that means.
    assert dialog.no_tray_note is not None and "no system tray" in dialog.no_tray_note.text()
    dialog.reminder_minutes.setValue(25)
    dialog.keep_in_tray.setChecked(True)
    dialog.accept()
    again = AppSettings(app_paths())
    assert again.reminder_minutes == 25
    assert again.keep_in_tray is True


def test_the_new_settings_are_reached_with_the_keyboard(app_session, qtbot):
    dialog = SettingsDialog(app_session, AppSettings(app_paths()))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    seen = set()
    dialog.zone_picker.setFocus()
    for _ in range(30):
        seen.add(dialog.focusWidget())
        dialog.focusNextChild()
    assert dialog.reminder_minutes in seen or dialog.reminder_minutes.lineEdit() in seen
    assert dialog.keep_in_tray in seen


# -- the tray icon --------------------------------------------------------------------------------


def test_without_a_tray_no_icon_is_made(qapp):
    tray = AppTray(settings_with(keep_in_tray=True), available=lambda: False)
    assert tray.icon is None
    assert not tray.keeps_app_running
    assert tray.show_message("Session starting soon", "text") is False


@OFFSCREEN_TRAY
def test_the_icon_shows_while_tray_mode_or_reminders_are_on(qapp):
    settings = settings_with(keep_in_tray=False, minutes=0)
    tray = AppTray(settings, available=has_tray)
    assert not tray.is_shown
    settings.reminder_minutes = 5
    tray.update_from_settings()
    assert tray.is_shown and not tray.keeps_app_running
    assert tray.show_message("Session starting soon", "Review starts at 14:00") is True
    settings.keep_in_tray = True
    settings.reminder_minutes = 0
    tray.update_from_settings()
    assert tray.is_shown and tray.keeps_app_running
    settings.keep_in_tray = False
    tray.update_from_settings()
    assert not tray.is_shown
    tray.remove()


@OFFSCREEN_TRAY
def test_the_menu_opens_the_window_or_quits_and_a_click_on_the_icon_opens_it(qapp, qtbot):
    tray = AppTray(settings_with(keep_in_tray=True), available=has_tray)
    assert [a.text() for a in tray.menu.actions() if not a.isSeparator()] == [
        "&Open roomdesk",
        "&Quit",
    ]
    assert tray.icon is not None and tray.icon.contextMenu() is tray.menu
    with qtbot.waitSignal(tray.openRequested, timeout=200):
        tray.open_action.trigger()
    with qtbot.waitSignal(tray.quitRequested, timeout=200):
        tray.quit_action.trigger()
    with qtbot.waitSignal(tray.openRequested, timeout=200):
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    with qtbot.assertNotEmitted(tray.openRequested):
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    with qtbot.waitSignal(tray.messageClicked, timeout=200):
        tray.icon.messageClicked.emit()
    tray.remove()


# -- tray mode and the window ---------------------------------------------------------------------


@pytest.fixture
def session(app_session, aloop):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    return app_session


def open_window(session, qtbot, aloop, settings) -> MainWindow:
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    aloop.wait_until(lambda: window.startup_refresh_done)
    return window


@OFFSCREEN_TRAY
def test_in_tray_mode_closing_hides_the_window_and_quit_closes_it(session, qtbot, aloop):
    settings = settings_with(keep_in_tray=True)
    window = open_window(session, qtbot, aloop, settings)
    window.tray = AppTray(settings, available=has_tray, parent=window)
    window.close()
    assert not window.isVisible() and not window.is_closed
    window.show()
    window.quit_action.trigger()  # Ctrl+Q quits, tray mode or not
    assert window.is_closed
    window.tray.remove()


@OFFSCREEN_TRAY
def test_with_tray_mode_off_closing_quits_as_before(session, qtbot, aloop):
    settings = settings_with(keep_in_tray=False)
    window = open_window(session, qtbot, aloop, settings)
    window.tray = AppTray(settings, available=has_tray, parent=window)
    window.close()
    assert window.is_closed
    window.tray.remove()


def test_tray_mode_without_a_tray_closing_quits(session, qtbot, aloop):
    settings = settings_with(keep_in_tray=True)
    window = open_window(session, qtbot, aloop, settings)
    window.tray = AppTray(settings, parent=window)  # offscreen: no tray
    window.close()
    assert window.is_closed


def run_demo_in_tray_mode(qapp, aloop, steps, instance=None) -> tuple[App, int]:
    settings_with(keep_in_tray=True)
    app = App(argparse.Namespace(demo=True, debug=False), qapp, instance, tray_available=has_tray)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        while app.window is None or not app.window.isVisible() or app.tray is None:
            await asyncio.sleep(0.01)
        app.window.close()
        await asyncio.sleep(0.05)
        assert not running.done(), "closing the window in tray mode ended the app"
        assert not app.window.isVisible()
        await steps(app)
        return await running

    return app, aloop.run(scenario())


@OFFSCREEN_TRAY
def test_the_tray_menu_brings_the_hidden_window_back_and_quits(qapp, aloop):
    async def steps(app: App) -> None:
        assert app.tray is not None
        app.tray.open_action.trigger()
        assert app.window.isVisible()
        app.window.close()
        app.tray.quit_action.trigger()

    app, code = run_demo_in_tray_mode(qapp, aloop, steps)
    assert code == 0 and app.window.is_closed
    assert not app.tray.is_shown  # taken away at quit
    assert not app.session.is_ready  # the session shut down


@OFFSCREEN_TRAY
def test_ctrl_c_quits_an_app_running_in_the_tray(qapp, aloop):
    async def steps(app: App) -> None:
        app.quit_on_interrupt()

    app, code = run_demo_in_tray_mode(qapp, aloop, steps)
    assert code == 0 and app.interrupted and app.window.is_closed


@OFFSCREEN_TRAY
def test_a_second_start_shows_the_window_hidden_in_the_tray(qapp, aloop, data_dir: Path):
    first = SingleInstance(data_dir, scope="demo")
    assert first.try_become_primary()
    second = SingleInstance(data_dir, scope="demo")

    async def steps(app: App) -> None:
        assert second.notify_primary()  # what a second `roomdesk --demo` does
        while not app.window.isVisible():
            await asyncio.sleep(0.01)
        app.window.quit()

    try:
        _app, code = run_demo_in_tray_mode(qapp, aloop, steps, instance=first)
    finally:
        second.release()
        first.release()
    assert code == 0


# -- reminders in the window ----------------------------------------------------------------------


def test_without_a_tray_a_reminder_shows_in_the_windows_status_bar(session, qtbot, aloop):
    settings = settings_with()
    settings.default_zone = "Europe/Oslo"
    window = open_window(session, qtbot, aloop, settings)
    start = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    planned = [UpcomingSession("m-1", "Coaching: Sam", start, None, "https://a.whereby.com/r")]
    now = [start - timedelta(minutes=30)]
    reminders = remind_for_window(
        window,
        AppTray(settings, parent=window),
        MemoryLedger(),
        started_at=now[0],
        sessions=lambda _after: planned,
        clock=lambda: now[0],
    )
    assert window.statusBar().currentMessage() != "Coaching: Sam starts at 14:00"
    now[0] = start - timedelta(minutes=10)
    reminders.check()
    assert window.statusBar().currentMessage() == "Coaching: Sam starts at 14:00"
    window.close()
    assert not reminders.timer.isActive()  # stopped with the window


def test_the_windows_rooms_and_settings_changes_are_looked_at_again(session, qtbot, aloop):
    settings = settings_with(minutes=10)
    window = open_window(session, qtbot, aloop, settings)
    reads: list[datetime] = []

    def sessions(after: datetime) -> list[UpcomingSession]:
        reads.append(after)
        return []

    reminders = remind_for_window(
        window,
        AppTray(settings, parent=window),
        MemoryLedger(),
        started_at=session.now(),
        sessions=sessions,
    )
    assert len(reads) == 1
    session.roomsReplaced.emit()
    qtbot.waitUntil(lambda: len(reads) == 2, timeout=2000)
    dialog = window.open_settings()
    dialog.reminder_minutes.setValue(0)
    dialog.accept()
    assert reminders.planner.lead_minutes == 0
    assert not reminders.timer.isActive()
    window.close()


def test_a_room_planned_in_the_store_is_reminded_once_across_restarts(session, qtbot, aloop):
    """The window's own sessions and ledger: the planned start is read from the store, and the
    reminder shown is recorded there, so a second run (a restart) does not show it again."""
    settings = settings_with(minutes=10)
    settings.default_zone = "UTC"
    window = open_window(session, qtbot, aloop, settings)
    now = session.now()
    start = (now + timedelta(minutes=5)).replace(second=0, microsecond=0)
    with RoomStore(session.paths.store_file) as store:
        store.add_created(
            Meeting("m-planned", "https://team.whereby.com/coaching-1", now + timedelta(hours=2)),
            room_mode="normal",
            options={},
            label="Coaching: Sam",
            planned_start=start,
            time_zone="Europe/Oslo",
        )

    def run_reminders():
        reminders = remind_for_window(
            window,
            AppTray(settings, parent=window),
            session.reminder_ledger(),
            started_at=now - timedelta(hours=1),
        )
        reminders.stop()
        return reminders

    first = run_reminders()
    assert first.last_message is not None
    assert window.statusBar().currentMessage() == f"Coaching: Sam starts at {start:%H:%M}"
    with RoomStore(session.paths.store_file) as store:
        assert store.reminder_shown("m-planned", start)
    window.statusBar().clearMessage()
    second = run_reminders()
    assert second.last_message is None
    assert window.statusBar().currentMessage() == ""
    window.close()
