"""The main window against the emulator over real sockets, driven as a person would."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton

from roomdesk.api.client import RetryPolicy
from roomdesk.api.errors import CreateOutcomeUnknownError
from roomdesk.api.models import Meeting
from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.domain.status import RoomStatus
from roomdesk.paths import app_paths
from roomdesk.roomlist.texts import Column
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.create_room_dialog import CreateRoomDialog
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.room_table_model import RoomRole
from roomdesk.ui.session import AppSession

SHOTS = Path("/tmp/roomdesk-shots")


@pytest.fixture
def session(app_session, aloop):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    return app_session


def settle_start_up(main, aloop, emulator):
    """Let the refresh that follows the window's first showing end, and forget its requests."""
    aloop.wait_until(lambda: main.startup_refresh_done)
    emulator.clear_received()


@pytest.fixture
def window(session, qtbot, aloop, emulator):
    main = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    settle_start_up(main, aloop, emulator)
    return main


def make_room(session, aloop, label="", hours=2.0, fields=frozenset()):
    request = MeetingRequest(
        end_date=datetime.now(UTC) + timedelta(hours=hours), fields=frozenset(fields)
    )
    return aloop.run(session.create_room(request, label))


def select_rows(window, rows):
    selection = window.table.selectionModel()
    selection.clearSelection()
    selection.setCurrentIndex(
        window.proxy.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    for row in rows:
        selection.select(
            window.proxy.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def test_empty_state_then_rooms_appear(window, session, aloop):
    assert window.stack.currentWidget() is window.empty_state
    assert window.empty_button.isVisible()
    room = make_room(session, aloop, label="Sprint review")
    assert window.stack.currentWidget() is window.table
    assert window.proxy.rowCount() == 1
    assert window.proxy.index(0, Column.LABEL).data() == "Sprint review"
    assert window.proxy.index(0, Column.ROOM).data() == room.room_name
    assert window.proxy.index(0, Column.STATUS).data() == RoomStatus.ACTIVE.label


@pytest.mark.parametrize(
    ("action_name", "kind"),
    [
        ("copy_room_action", "room_url"),
        ("copy_host_action", "host_room_url"),
        ("copy_viewer_action", "viewer_room_url"),
    ],
)
def test_copy_actions_put_the_exact_url_on_the_clipboard(window, session, aloop, action_name, kind):
    room = make_room(session, aloop, fields=frozenset(Field))
    select_rows(window, [0])
    QGuiApplication.clipboard().clear()
    getattr(window, action_name).trigger()
    assert QGuiApplication.clipboard().text() == getattr(room, kind)
    assert "copied" in window.statusBar().currentMessage()


def test_copy_keyboard_shortcut_from_the_table(window, session, aloop, qtbot):
    room = make_room(session, aloop, fields={Field.HOST_ROOM_URL})
    select_rows(window, [0])
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == room.room_url
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert QGuiApplication.clipboard().text() == room.host_room_url


def test_link_actions_disabled_when_the_room_lacks_the_link(window, session, aloop):
    make_room(session, aloop)
    select_rows(window, [0])
    assert window.copy_room_action.isEnabled()
    assert not window.copy_host_action.isEnabled()
    assert not window.copy_viewer_action.isEnabled()
    assert not window.open_host_action.isEnabled()


def test_delete_multi_selection_after_one_confirmation(window, session, aloop, emulator):
    rooms = [make_room(session, aloop, label=f"Workshop {i}") for i in range(3)]
    select_rows(window, [0, 1, 2])
    box = window.delete_selected()
    assert isinstance(box, QMessageBox)
    for room in rooms:
        assert room.label in box.text()
    delete_button = next(b for b in box.buttons() if b.text() == "&Delete")
    aloop.act(delete_button.click)
    aloop.wait_until(lambda: not emulator.meeting_ids())
    aloop.wait_until(lambda: "Deleted 3 of 3" in window.statusBar().currentMessage())
    assert window.stack.currentWidget() is not window.table  # only past rooms remain
    window.show_past_action.setChecked(True)
    assert window.proxy.rowCount() == 3
    statuses = {window.proxy.index(r, Column.STATUS).data() for r in range(3)}
    assert statuses == {RoomStatus.DELETED.label}


def focus_the_table(window, qtbot):
    # A window manager gives the focus back to the table when a question closes; the offscreen
    # platform leaves no window active.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.table.setFocus()


def confirm_delete_from_the_keyboard(window, aloop, qtbot):
    focus_the_table(window, qtbot)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    box = next(w for w in window._open_dialogs if isinstance(w, QMessageBox))
    aloop.act(next(b for b in box.buttons() if b.text() == "&Delete").click)
    aloop.wait_until(lambda: "Deleted" in window.statusBar().currentMessage())


def current_label(window):
    [index] = window.table.selectionModel().selectedRows()
    assert window.table.currentIndex().row() == index.row()
    return window.proxy.index(index.row(), Column.LABEL).data()


@pytest.mark.parametrize("show_past", [False, True])
def test_after_a_delete_the_next_room_is_selected_as_in_a_file_manager(
    window, session, aloop, qtbot, show_past
):
    rooms = [
        make_room(session, aloop, label=f"Slot {i}", hours=i, fields={Field.HOST_ROOM_URL})
        for i in range(1, 5)
    ]
    window.show_past_action.setChecked(show_past)
    select_rows(window, [1, 2])  # Slot 2 and Slot 3
    confirm_delete_from_the_keyboard(window, aloop, qtbot)
    assert current_label(window) == "Slot 4"
    # The keys go on working on the room now selected.
    focus_the_table(window, qtbot)
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == rooms[3].room_url
    confirm_delete_from_the_keyboard(window, aloop, qtbot)  # the last one: its neighbour before
    assert current_label(window) == "Slot 1"
    confirm_delete_from_the_keyboard(window, aloop, qtbot)  # the only one left: nothing
    if show_past:
        assert window.table.selectionModel().selectedRows() == []
    assert not window.delete_action.isEnabled()


def test_a_failed_delete_keeps_its_rooms_selected(window, session, aloop, qtbot, emulator):
    for i in range(1, 3):
        make_room(session, aloop, label=f"Slot {i}", hours=i)
    select_rows(window, [0])
    emulator.api_key = "someone-rotated-it"
    confirm_delete_from_the_keyboard(window, aloop, qtbot)
    assert current_label(window) == "Slot 1"


@pytest.mark.parametrize(
    "link",
    ["http://evil.example/phish", "HTTPS://evil.example/?roomKey=k", "https://a.whereby.com/r\x07"],
)
def test_a_stored_link_that_is_not_a_whereby_room_is_neither_opened_nor_copied(
    window, session, aloop, link
):
    # A store written by an older version may hold such a link.
    stored, _new = session._require_store().upsert_imported(
        Meeting("666", link, datetime.now(UTC) + timedelta(hours=1), host_room_url=link)
    )
    session.roomUpserted.emit(stored)
    select_rows(window, [0])
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("https", catcher, "open")
    QDesktopServices.setUrlHandler("http", catcher, "open")
    QGuiApplication.clipboard().setText("before")
    try:
        window.open_host_action.trigger()
        window.open_room_action.trigger()
        window.copy_room_action.trigger()
        window.copy_host_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("https")
        QDesktopServices.unsetUrlHandler("http")
    assert catcher.urls == []
    assert QGuiApplication.clipboard().text() == "before"
    assert "is not a Whereby room link" in window.statusBar().fullMessage()


def test_delete_cancelled_sends_nothing(window, session, aloop, emulator):
    make_room(session, aloop)
    select_rows(window, [0])
    emulator.clear_received()
    box = window.delete_selected()
    aloop.act(box.button(QMessageBox.StandardButton.Cancel).click)
    aloop.run(asyncio.sleep(0.05))
    assert emulator.received == []


def test_delete_failures_are_shown_per_room(window, session, aloop, emulator):
    room = make_room(session, aloop, label="Keep me")
    select_rows(window, [0])
    emulator.api_key = "someone-rotated-it"
    box = window.delete_selected()
    aloop.act(next(b for b in box.buttons() if b.text() == "&Delete").click)
    aloop.wait_until(lambda: "failed" in window.statusBar().currentMessage())
    report = next(w for w in window._open_dialogs if isinstance(w, QMessageBox) and w is not box)
    assert room.room_name in report.text() and "refused" in report.text()
    assert window.connection_label.text() == "Key refused"


def test_window_stays_responsive_while_the_server_is_slow(window, session, aloop, emulator):
    emulator.faults.latency = 2.0
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    task = aloop.loop.create_task(
        session.create_room(MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1)))
    )
    aloop.wait_until(task.done, timeout=10)
    timer.stop()
    assert task.result().meeting_id in emulator.meeting_ids()
    # A frozen window would have ticked at most a couple of times in two seconds.
    assert len(ticks) > 50


def test_filter_and_show_past(window, session, aloop, qtbot):
    make_room(session, aloop, label="Maths group")
    make_room(session, aloop, label="Art class")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()
    qtbot.keyClicks(window.filter_edit, "math")
    assert window.proxy.rowCount() == 1
    qtbot.keyClicks(window.filter_edit, "zzz")
    assert window.stack.currentWidget() is window.no_match
    assert "No room matches" in window.no_match.text()


def test_statuses_follow_the_clock(window, session, aloop):
    make_room(session, aloop, hours=1.5)
    later = datetime.now(UTC) + timedelta(hours=1)
    session._clock = lambda: later
    window._refresh_statuses()
    assert window.proxy.index(0, Column.STATUS).data() == RoomStatus.ENDS_SOON.label


def test_edit_label_with_f2(window, session, aloop, qtbot):
    room = make_room(session, aloop, label="Old")
    select_rows(window, [0])
    dialog = window.edit_current_room()
    assert dialog is not None
    dialog.label_edit.setText("New label")
    dialog.accept()
    [stored] = [r for r in session.list_rooms() if r.meeting_id == room.meeting_id]
    assert stored.label == "New label"
    assert window.proxy.index(0, Column.LABEL).data() == "New label"


def test_f2_saves_the_planned_start_with_the_label_and_clears_it(window, session, aloop):
    make_room(session, aloop, label="Coaching", hours=3)
    select_rows(window, [0])
    dialog = window.edit_current_room()
    assert dialog is not None
    dialog.label_edit.setText("Coaching: Sam")
    dialog.start.plan_check.setChecked(True)
    assert dialog.zone_picker.setZoneName("America/New_York")
    in_new_york = datetime.now(ZoneInfo("America/New_York")) + timedelta(hours=1)
    dialog.start.edit.setDate(in_new_york.date())
    dialog.start.edit.setTime(in_new_york.time())
    assert dialog.start_problem() is None
    dialog.accept()
    [stored] = session.list_rooms()
    assert stored.label == "Coaching: Sam"
    assert stored.time_zone == "America/New_York"
    assert stored.planned_start == dialog.plan()["planned_start"]
    assert stored.planned_start is not None and stored.planned_start <= stored.end_date

    again = window.edit_current_room()
    assert again is not None and again.start.plan_check.isChecked()
    again.start.plan_check.setChecked(False)
    again.accept()
    [stored] = session.list_rooms()
    assert (stored.label, stored.planned_start, stored.time_zone) == ("Coaching: Sam", None, None)


def test_demo_mode_says_demo_everywhere(qtbot, aloop, keyring_backend):
    demo = AppSession(app_paths(), keys=KeyStore(environ={}, keyring_backend=keyring_backend))
    aloop.run(demo.start_demo())
    try:
        main = MainWindow(demo, AppSettings(app_paths()))
        qtbot.addWidget(main)
        assert "Demo" in main.windowTitle()
        assert "Demo" in main.account_label.text()
        make_room(demo, aloop, label="Try it", fields=frozenset(Field))
        assert main.proxy.rowCount() == 1
        assert demo.emulator is not None and len(demo.emulator.meeting_ids()) == 1
    finally:
        aloop.run(demo.shutdown())
    assert demo.emulator is None


def test_settings_and_window_state_persist(window, session, aloop):
    settings = window.settings
    settings.default_zone = "Asia/Tokyo"
    settings.default_viewer_link = True
    window.resize(777, 555)
    window.show_past_action.setChecked(True)
    window.close()
    again = AppSettings(app_paths())
    assert again.default_zone == "Asia/Tokyo"
    assert again.default_viewer_link is True
    assert again.show_past is True
    reopened = MainWindow(session, again)
    assert reopened.size().width() == 777
    assert reopened.show_past_action.isChecked()
    reopened.close()


def test_render_main_window(window, session, aloop, tmp_path):
    make_room(session, aloop, label="Coaching: Sam", fields={Field.HOST_ROOM_URL})
    make_room(session, aloop, label="Team retro", hours=0.5, fields=frozenset(Field))
    window.resize(1000, 560)
    image = window.grab()
    assert not image.isNull()
    assert image.width() >= 1000
    image.save(str(tmp_path / "main_window.png"))
    SHOTS.mkdir(exist_ok=True)
    image.save(str(SHOTS / "main_window.png"))


# -- the create dialog through the window, against the emulator ------------------------------


def open_dialog(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = next(w for w in window._open_dialogs if isinstance(w, CreateRoomDialog))
    qtbot.waitExposed(dialog)
    return dialog


def press_create(aloop, qtbot, dialog):
    aloop.act(lambda: qtbot.keyClick(dialog, Qt.Key.Key_Return))


def set_combo(dialog, name, value):
    combo = dialog.findChild(QComboBox, name)
    index = combo.findData(value)
    assert index >= 0, (name, value)
    combo.setCurrentIndex(index)


def test_ctrl_n_then_enter_creates_a_room_ending_in_about_an_hour(window, aloop, qtbot, emulator):
    dialog = open_dialog(window, qtbot)
    press_create(aloop, qtbot, dialog)
    aloop.wait_until(lambda: dialog not in window._open_dialogs)
    sent = emulator.received[-1].json
    end = datetime.fromisoformat(sent["endDate"].replace("Z", "+00:00"))
    assert timedelta(minutes=55) <= end - datetime.now(UTC) <= timedelta(minutes=66)
    assert sent["fields"] == ["hostRoomUrl"]
    assert window.proxy.rowCount() == 1
    [selected] = window.selected_rooms()
    assert selected.meeting_id in emulator.meeting_ids()
    assert window.copy_host_action.isEnabled()  # the host link is one keystroke away


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            {
                "prefix": "Team Sync",
                "combos": {"roomSizeCombo": "group", "nameStyleCombo": "human-short"},
            },
            {"roomNamePrefix": "teamsync", "roomMode": "group", "roomNamePattern": "human-short"},
        ),
        ({"checks": {"viewerLinkCheck": True, "lockedCheck": True}}, {"isLocked": True}),
        ({"checks": {"viewerModeCheck": True}}, {"templateType": "viewerMode"}),
        (
            {"checks": {"hostLinkCheck": False}},
            {"roomMode": "normal", "isLocked": False},
        ),
    ],
)
def test_dialog_options_reach_the_server(window, aloop, qtbot, emulator, setup, expected):
    dialog = open_dialog(window, qtbot)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "labelEdit"), "Options test")
    if "prefix" in setup:
        qtbot.keyClicks(dialog.findChild(QLineEdit, "prefixEdit"), setup["prefix"])
    for name, value in setup.get("combos", {}).items():
        set_combo(dialog, name, value)
    for name, value in setup.get("checks", {}).items():
        dialog.findChild(QCheckBox, name).setChecked(value)
    press_create(aloop, qtbot, dialog)
    aloop.wait_until(lambda: dialog not in window._open_dialogs)
    sent = emulator.received[-1].json
    assert sent.items() >= expected.items()
    checks = setup.get("checks", {})
    wanted = set()
    if checks.get("hostLinkCheck", True):
        wanted.add("hostRoomUrl")
    if checks.get("viewerLinkCheck"):
        wanted.add("viewerRoomUrl")
    if checks.get("viewerModeCheck"):
        wanted = {"hostRoomUrl", "viewerRoomUrl"}
    assert set(sent.get("fields", [])) == wanted
    [room] = window.selected_rooms()
    assert room.label == "Options test"
    assert (room.host_room_url is not None) == ("hostRoomUrl" in wanted)


def test_dialog_validation_blocks_create_with_the_reason(window, aloop, qtbot, emulator):
    dialog = open_dialog(window, qtbot)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "prefixEdit"), "bad_prefix!")
    create = dialog.findChild(QPushButton, "createButton")
    assert not create.isEnabled()
    press_create(aloop, qtbot, dialog)
    aloop.run(asyncio.sleep(0.05))
    assert emulator.received == []
    assert dialog.isVisible()


@pytest.fixture
def impatient_window(emulator, aloop, keyring_backend, qtbot):
    """A window whose client gives up quickly, to see each failure as the user would."""
    app_session = AppSession(
        app_paths(),
        keys=KeyStore(environ={}, keyring_backend=keyring_backend),
        api_url=emulator.base_url,
        client_options={
            "timeout": httpx.Timeout(1.0),
            "retry": RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, total_seconds=5),
        },
    )
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    main = MainWindow(app_session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    settle_start_up(main, aloop, emulator)
    yield main
    aloop.run(app_session.shutdown())


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("wrong-key", "The API key was refused."),
        ("429", "Try again in about 2 min."),
        ("500", "Whereby had a problem of its own."),
        ("timeout", "may have been created"),
    ],
)
def test_each_failure_is_shown_in_words_and_inputs_kept(
    impatient_window, aloop, qtbot, emulator, fault, words
):
    window = impatient_window
    if fault == "wrong-key":
        emulator.api_key = "another-key"
    elif fault == "429":
        emulator.faults.force_status = 429
        emulator.faults.forced_retry_after = 120
    elif fault == "500":
        emulator.faults.force_status = 500
    else:
        emulator.faults.latency = 3.0
    dialog = open_dialog(window, qtbot)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "labelEdit"), "Keep this label")
    press_create(aloop, qtbot, dialog)
    error_area = dialog.findChild(QLabel, "errorArea")
    aloop.wait_until(lambda: words in error_area.text() and not dialog.isBusy(), timeout=15)
    assert dialog.isVisible()
    assert dialog.findChild(QLineEdit, "labelEdit").text() == "Keep this label"
    assert window.proxy.rowCount() == 0


def test_render_create_dialog(window, qtbot, tmp_path):
    dialog = open_dialog(window, qtbot)
    image = dialog.grab()
    assert not image.isNull() and image.width() >= 400
    image.save(str(tmp_path / "create_dialog_in_window.png"))


class UrlCatcher(QObject):
    """Receives what the app asks the desktop to open, through Qt's own URL handler hook."""

    def __init__(self):
        super().__init__()
        self.urls = []

    @Slot(QUrl)
    def open(self, url):
        self.urls.append(url.toString())


def test_open_host_and_room_links_in_the_browser(window, session, aloop):
    room = make_room(session, aloop, fields={Field.HOST_ROOM_URL})
    select_rows(window, [0])
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("https", catcher, "open")
    try:
        window.open_host_action.trigger()
        window.open_room_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert catcher.urls == [room.host_room_url, room.room_url]


# -- refresh from Whereby and creates that may not have happened ------------------------------


def wait_refreshed(window, aloop, timeout=15):
    aloop.wait_until(lambda: not window.is_refreshing(), timeout=timeout)


def test_f5_imports_rooms_made_elsewhere(window, aloop, qtbot, emulator):
    made = emulator.seed(5)
    assert window.proxy.rowCount() == 0
    aloop.act(lambda: qtbot.keyClick(window, Qt.Key.Key_F5))
    assert window.is_refreshing()
    wait_refreshed(window, aloop)
    assert window.proxy.rowCount() == 5
    shown = {window.proxy.index(row, Column.ROOM).data() for row in range(5)}
    assert shown == {meeting["roomName"] for meeting in made}
    assert "Refreshed: 5 rooms on Whereby (5 new" in window.statusBar().currentMessage()
    assert window.connection_label.text() == "Connected"
    assert window.refresh_action.isVisible() and not window.stop_refresh_action.isVisible()


def test_a_room_deleted_elsewhere_shows_as_expired_after_a_refresh(window, session, aloop):
    make_room(session, aloop, label="Kept", hours=3)
    gone = make_room(session, aloop, label="Deleted elsewhere", hours=2)
    window.show_past_action.setChecked(True)
    headers = {"Authorization": "Bearer test-key"}
    response = httpx.delete(f"{session.base_url}/meetings/{gone.meeting_id}", headers=headers)
    assert response.status_code == 204  # as a colleague would, on the dashboard
    aloop.act(window.refresh)
    wait_refreshed(window, aloop)
    statuses = {
        window.proxy.index(row, Column.LABEL).data(): window.proxy.index(row, Column.STATUS).data()
        for row in range(window.proxy.rowCount())
    }
    assert statuses == {"Kept": "Active", "Deleted elsewhere": "Expired"}
    assert "1 gone from Whereby" in window.statusBar().currentMessage()


def test_refresh_keeps_the_selection_while_a_big_page_arrives(window, session, aloop, emulator):
    mine = [make_room(session, aloop, label=f"Mine {n}", hours=3 + n) for n in range(3)]
    select_rows(window, [0, 2])
    chosen = {room.meeting_id for room in window.selected_rooms()}
    current = window.current_room().meeting_id
    emulator.seed(150)  # ending sooner than mine: they arrive above the selected rows
    aloop.act(window.refresh)
    wait_refreshed(window, aloop)
    assert window.proxy.rowCount() == 153
    assert {room.meeting_id for room in window.selected_rooms()} == chosen
    assert window.current_room().meeting_id == current
    assert chosen <= {room.meeting_id for room in mine}


@pytest.fixture
def large_list_window(session, aloop, qtbot):
    """``make(rooms)``: a window over that many stored rooms (labelled "Stored n", the lower n
    the sooner it ends), with lists of one room fewer counting as large (read in the background,
    the first ``first_rows`` of them shown meanwhile), and the row counts it announced with
    ``roomsLoaded``. The heap such a load freezes is thawed after the test."""
    import gc

    from roomdesk.ui.list_loader import LoadTuning

    def make(rooms: int, first_rows: int = 100) -> tuple[MainWindow, list[int]]:
        for n in range(rooms):
            make_room(session, aloop, label=f"Stored {n}", hours=2 + n)
        tuning = LoadTuning(background_rooms=rooms - 1, first_rows=first_rows)
        main = MainWindow(session, AppSettings(app_paths()), load_tuning=tuning)
        qtbot.addWidget(main)
        loaded: list[int] = []
        main.roomsLoaded.connect(lambda: loaded.append(main.proxy.rowCount()))
        return main, loaded

    yield make
    gc.unfreeze()


def shown_labels(window) -> list[str]:
    return [window.proxy.index(row, Column.LABEL).data() for row in range(window.proxy.rowCount())]


def test_a_large_list_shows_its_first_rows_while_it_loads_and_keeps_what_arrives(
    session, aloop, large_list_window
):
    main, loaded = large_list_window(4, first_rows=2)
    main.show()
    # Before the loop runs, the list is being read: its first rows are shown, and it says so.
    assert main.stack.currentWidget() is main.table
    assert shown_labels(main) == ["Stored 0", "Stored 1"]
    assert main.loading_label.isVisible() and main.loading_label.text() == "Loading 4 rooms…"
    # A room announced meanwhile that the snapshot being read does not have: shown at its place
    # among the first rows at once, and kept when the whole list comes.
    [known] = [room for room in session.list_rooms() if room.label == "Stored 0"]
    arrived = dataclasses.replace(known, meeting_id="arrived-meanwhile", label="Meanwhile")
    session.roomsStored.emit([arrived])
    assert sorted(shown_labels(main)) == ["Meanwhile", "Stored 0", "Stored 1"]
    aloop.wait_until(lambda: loaded)
    assert main.stack.currentWidget() is main.table
    assert sorted(shown_labels(main)) == [
        "Meanwhile",
        "Stored 0",
        "Stored 1",
        "Stored 2",
        "Stored 3",
    ]
    assert not main.loading_label.isVisible()


def test_rooms_picked_among_the_first_rows_stay_picked_in_the_whole_list(aloop, large_list_window):
    main, loaded = large_list_window(5, first_rows=3)
    main.show()
    select_rows(main, [2, 0])
    assert {room.label for room in main.selected_rooms()} == {"Stored 0", "Stored 2"}
    aloop.wait_until(lambda: loaded)
    assert main.proxy.rowCount() == 5
    assert {room.label for room in main.selected_rooms()} == {"Stored 0", "Stored 2"}
    assert main.table.currentIndex().data(RoomRole.MEETING_ID) == (
        main.proxy.index(2, 0).data(RoomRole.MEETING_ID)
    )
    assert main.delete_action.isEnabled()


def test_while_a_large_list_loads_a_filter_waits_for_it(session, aloop, large_list_window):
    main, loaded = large_list_window(4, first_rows=2)
    [last] = [room for room in session.list_rooms() if room.label == "Stored 3"]
    main.show()
    main.filter_edit.setText(last.room_url)  # not among the first rows: only the list knows
    assert main.stack.currentWidget() is main.no_match
    assert main.no_match.text() == "Loading 4 rooms…"
    aloop.wait_until(lambda: loaded)
    assert main.stack.currentWidget() is main.table
    assert shown_labels(main) == ["Stored 3"]


def test_first_rows_follow_the_order_and_the_past_rooms_setting(session, aloop, large_list_window):
    main, loaded = large_list_window(4, first_rows=2)
    [ended] = [room for room in session.list_rooms() if room.label == "Stored 0"]
    session.set_label(ended.meeting_id, "Stored 0")  # still the soonest to end
    main.show()
    main.table.sortByColumn(Column.ENDS, Qt.SortOrder.DescendingOrder)
    assert shown_labels(main) == ["Stored 3", "Stored 2"]  # the latest to end first
    main.table.sortByColumn(Column.LABEL, Qt.SortOrder.AscendingOrder)
    # Which labels come first is known only from every room: the list says it is loading.
    assert main.proxy.rowCount() == 0 and main.stack.currentWidget() is main.no_match
    main.table.sortByColumn(Column.ENDS, Qt.SortOrder.AscendingOrder)
    main.show_past_action.setChecked(not main.show_past_action.isChecked())
    assert shown_labels(main) == ["Stored 0", "Stored 1"]
    aloop.wait_until(lambda: loaded)
    assert shown_labels(main) == ["Stored 0", "Stored 1", "Stored 2", "Stored 3"]


def test_first_rows_that_cannot_be_read_leave_the_list_to_its_load(
    session, aloop, large_list_window, monkeypatch, caplog
):
    def unreadable(*_args, **_kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(session, "rooms_with_status", unreadable)
    main, loaded = large_list_window(3)
    main.show()
    assert main.proxy.rowCount() == 0 and main.no_match.text() == "Loading 3 rooms…"
    assert "could not read the first rooms of the list" in caplog.text
    aloop.wait_until(lambda: loaded)
    assert loaded == [3]


def test_only_the_newest_of_two_background_loads_is_shown(aloop, qtbot, large_list_window):
    main, loaded = large_list_window(3)
    main.show()
    qtbot.waitExposed(main)
    main._after_first_paint()  # the first frame is drawn: the first load is on its way
    main.reload_rooms()  # before the first load could finish
    aloop.wait_until(lambda: loaded)
    aloop.run(asyncio.sleep(0.2))  # time for the first load to come back, too
    assert loaded == [3]


def test_a_large_list_is_read_only_once_the_first_frame_is_drawn(aloop, large_list_window):
    main, loaded = large_list_window(3)
    aloop.run(asyncio.sleep(0.2))  # not shown: nothing is read, nothing refreshed
    assert loaded == [] and main.list_loader.loading_rooms == 3
    main.show()
    aloop.wait_until(lambda: loaded)
    assert loaded == [3] and main.first_frame_done
    aloop.wait_until(lambda: main.startup_refresh_done)


def test_start_up_objects_are_frozen_once_after_the_first_frame(session, aloop, qtbot, monkeypatch):
    from roomdesk.roomlist import runtime

    freezes: list[bool] = []
    monkeypatch.setattr(runtime, "start_up_frozen", False)
    monkeypatch.setattr(runtime.gc, "freeze", lambda: freezes.append(True))
    first = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(first)
    assert freezes == []  # not before the window is drawn
    first.show()
    aloop.wait_until(lambda: first.first_frame_done)
    assert freezes == [True]
    second = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(second)
    second.show()
    aloop.wait_until(lambda: second.first_frame_done)
    assert freezes == [True]  # once per process
    for main in (first, second):
        aloop.wait_until(lambda main=main: main.startup_refresh_done)


def test_closing_during_a_background_load_shows_nothing_later(aloop, large_list_window):
    main, loaded = large_list_window(3, first_rows=2)
    main.show()
    main.close()
    aloop.run(asyncio.sleep(0.3))
    assert loaded == [] and main.model.rowCount() == 2  # the first rows, and nothing more


def test_start_up_refresh_fills_the_list_after_showing(session, aloop, qtbot, emulator):
    emulator.seed(130)
    main = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    assert main.proxy.rowCount() == 0 and emulator.received == []  # nothing before showing
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)
    assert main.proxy.rowCount() == 130
    pages = [r for r in emulator.received if r.method == "GET"]
    assert len(pages) == 2


def test_start_up_refresh_failure_goes_to_the_status_bar(emulator, aloop, keyring_backend, qtbot):
    emulator.faults.force_status = 500
    app_session = AppSession(
        app_paths(),
        keys=KeyStore(environ={}, keyring_backend=keyring_backend),
        api_url=emulator.base_url,
        client_options={"retry": RetryPolicy(max_attempts=1)},
    )
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    try:
        main = MainWindow(app_session, AppSettings(app_paths()))
        qtbot.addWidget(main)
        main.show()
        aloop.wait_until(lambda: main.startup_refresh_done)
        assert "Refresh failed: Whereby had a problem" in main.statusBar().currentMessage()
        assert main.connection_label.text() == "Service trouble"
        assert not main._open_dialogs  # no modal box at start-up
        main.close()
    finally:
        aloop.run(app_session.shutdown())


def test_esc_stops_a_slow_refresh_and_keeps_the_first_page(window, session, aloop, qtbot, emulator):
    emulator.seed(250)

    def stall_after_first_page(text):
        if text.startswith("Refreshing… 1 page"):
            emulator.faults.latency = 30.0  # the next page would take half a minute

    session.syncProgress.connect(stall_after_first_page)
    aloop.act(lambda: qtbot.keyClick(window, Qt.Key.Key_F5))
    aloop.wait_until(lambda: window.proxy.rowCount() == 100)  # shown while the walk goes on
    assert window.is_refreshing()
    assert "Refreshing… 1 page, 100 rooms" in window.statusBar().currentMessage()
    assert window.stop_refresh_action.isVisible() and not window.refresh_action.isVisible()
    task = window._refresh_task
    aloop.act(lambda: qtbot.keyClick(window, Qt.Key.Key_F5))  # a second F5 does nothing
    assert window._refresh_task is task
    aloop.act(lambda: qtbot.keyClick(window, Qt.Key.Key_Escape))
    wait_refreshed(window, aloop, timeout=5)
    assert "Refresh stopped" in window.statusBar().currentMessage()
    assert window.proxy.rowCount() == 100
    assert window.refresh_action.isVisible()
    emulator.faults.latency = 0.0
    session.syncProgress.disconnect(stall_after_first_page)
    aloop.act(window.refresh)
    wait_refreshed(window, aloop)
    assert window.proxy.rowCount() == 250


def lose_a_create(session, aloop, emulator, label):
    emulator.faults.drop_rate = 1.0
    with pytest.raises(CreateOutcomeUnknownError):
        make_room(session, aloop, label=label)
    emulator.faults.drop_rate = 0.0


def test_a_lost_create_shows_a_bar_and_retry_makes_exactly_one_room(
    window, session, aloop, qtbot, emulator
):
    lose_a_create(session, aloop, emulator, "Coaching: Sam")
    assert emulator.meeting_ids() == set()
    bar = window.pending_bar
    assert bar.isVisible()
    [pending_id] = bar.pendingIds()
    assert bar.rowText(pending_id).startswith(
        "1 room may not have been created: <b>Coaching: Sam</b> (requested at "
    )
    # Reachable from the keyboard: Tab from the filter row lands on Retry; Space presses it.
    window.show_past_check.setFocus()
    qtbot.keyClick(window.show_past_check, Qt.Key.Key_Tab)
    retry = bar.retryButton(pending_id)
    assert retry.hasFocus()
    aloop.act(lambda: qtbot.keyClick(retry, Qt.Key.Key_Space))
    aloop.wait_until(lambda: not bar.isVisible())
    [meeting_id] = emulator.meeting_ids()
    assert len([r for r in emulator.received if r.method == "POST"]) == 2  # lost one, retry
    assert "Room “Coaching: Sam” created." in window.statusBar().currentMessage()

    aloop.act(window.refresh)
    wait_refreshed(window, aloop)
    assert window.proxy.rowCount() == 1
    assert window.proxy.index(0, Column.LABEL).data() == "Coaching: Sam"
    [room] = session.list_rooms()
    assert room.meeting_id == meeting_id
    assert session.pending_creates() == []


def test_dismiss_hides_a_lost_create_and_sends_nothing(window, session, aloop, emulator):
    lose_a_create(session, aloop, emulator, "Not needed")
    [pending_id] = window.pending_bar.pendingIds()
    emulator.clear_received()
    aloop.act(window.pending_bar.dismissButton(pending_id).click)
    assert not window.pending_bar.isVisible()
    assert emulator.received == []
    assert "Dismissed “Not needed”" in window.statusBar().currentMessage()


def test_rate_limit_pause_shows_a_countdown_and_nothing_is_dropped(
    window, session, aloop, emulator
):
    emulator.faults.force_status = 429
    emulator.faults.forced_retry_after = 2
    task = aloop.loop.create_task(
        session.create_room(MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=1)))
    )
    aloop.wait_until(lambda: "Rate limited — resuming in" in window.rate_label.text())
    emulator.faults.force_status = None
    aloop.wait_until(task.done, timeout=15)
    assert task.result().meeting_id in emulator.meeting_ids()
    aloop.wait_until(lambda: "Rate limited" not in window.rate_label.text(), timeout=5)
