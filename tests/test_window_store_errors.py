"""The window against the emulator when the room list cannot be written: each action says so in
words, and the app keeps running with what is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox

from roomdesk.api.requests import MeetingRequest
from roomdesk.paths import app_paths
from roomdesk.roomlist.texts import Column
from roomdesk.secrets import ApiKey
from roomdesk.store import StoreWriteError
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.main_window import MainWindow
from tests.test_main_window import open_dialog, press_create, select_rows


@pytest.fixture
def window(app_session, qtbot, aloop, emulator):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    main = MainWindow(app_session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)
    emulator.clear_received()
    return main


def disk_full() -> StoreWriteError:
    return StoreWriteError(
        app_paths().store_file, "the disk is full", "Free some space and try again"
    )


def store_problem_box(window) -> QMessageBox:
    [box] = [child for child in window.findChildren(QMessageBox, "storeProblemBox")]
    assert box.isVisible()
    return box


def make_room(session, aloop, label):
    request = MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=2))
    return aloop.run(session.create_room(request, label))


def test_a_label_that_cannot_be_saved_is_said_so_and_the_list_is_unchanged(
    window, app_session, aloop, monkeypatch
):
    make_room(app_session, aloop, "Old")

    def full(*_args, **_kwargs):
        raise disk_full()

    monkeypatch.setattr(app_session, "set_label", full)
    index = window.proxy.index(0, Column.LABEL)
    assert window.proxy.setData(index, "New")  # an edit in place
    assert "The label was not saved. The room list could not be saved: the disk is full" in (
        window.statusBar().fullMessage()
    )
    assert "Free some space" in store_problem_box(window).text()
    assert window.proxy.index(0, Column.LABEL).data() == "Old"
    assert window.isVisible()


def test_a_delete_whose_marks_cannot_be_saved_is_said_so(
    window, app_session, aloop, monkeypatch, emulator
):
    make_room(app_session, aloop, "Doomed")

    async def full(_ids):
        raise disk_full()

    monkeypatch.setattr(app_session, "delete_rooms", full)
    select_rows(window, [0])
    box = window.delete_selected()
    aloop.act(next(b for b in box.buttons() if b.text() == "&Delete").click)
    aloop.wait_until(lambda: "disk is full" in window.statusBar().fullMessage())
    assert "could not be marked" in store_problem_box(window).text()


def test_a_refresh_whose_pages_cannot_be_saved_says_so_in_the_status_bar(
    window, app_session, aloop, monkeypatch
):
    async def full(*_args, **_kwargs):
        raise disk_full()

    monkeypatch.setattr(app_session, "sync", full)
    task = window.refresh()
    assert task is not None
    aloop.wait_until(task.done)
    assert (
        window.statusBar()
        .currentMessage()
        .startswith("Refresh failed: The room list could not be saved: the disk is full")
    )
    assert not window.is_refreshing()


def test_a_create_that_cannot_be_stored_keeps_the_dialog_open_and_says_why(
    window, app_session, aloop, qtbot, monkeypatch
):
    async def full(_request, _label="", **_plan):
        raise disk_full()

    monkeypatch.setattr(app_session, "create_room", full)
    dialog = open_dialog(window, qtbot)
    press_create(aloop, qtbot, dialog)
    aloop.wait_until(lambda: not dialog._busy)
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())
    assert "roomdesk could not write to its room list" in shown
    assert "the disk is full" in shown
    assert dialog.isVisible()


def test_an_edit_that_cannot_be_saved_names_all_of_it(window, app_session, aloop, monkeypatch):
    """F2 saves label, notes and planned start in one write: a failure is about all of them."""
    make_room(app_session, aloop, "Old")
    window.table.selectRow(0)

    def full(*_args, **_kwargs):
        raise disk_full()

    monkeypatch.setattr(app_session, "set_label", full)
    dialog = window.edit_current_room()
    assert dialog is not None
    dialog.label_edit.setText("New")
    dialog.accept()
    assert "The changes were not saved. The room list could not be saved: the disk is full" in (
        window.statusBar().fullMessage()
    )
    assert window.proxy.index(0, Column.LABEL).data() == "Old"
