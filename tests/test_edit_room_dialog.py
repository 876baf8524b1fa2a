"""EditRoomDialog: values, label validation and keyboard use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from roomdesk.roomlist.texts import LABEL_MAX_LENGTH
from roomdesk.store.records import RoomSource, StoredRoom
from roomdesk.ui.edit_room_dialog import EditRoomDialog

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def make_room(
    label: str = "Weekly sync", notes: str = "Agenda in the wiki\nBring coffee"
) -> StoredRoom:
    return StoredRoom(
        id=1,
        meeting_id="91",
        room_name="/sync-4f2a",
        room_url="https://acme.whereby.com/sync-4f2a",
        host_room_url="https://acme.whereby.com/sync-4f2a?roomKey=secret",
        viewer_room_url=None,
        start_date=None,
        end_date=datetime(2026, 12, 1, 14, 30, tzinfo=UTC),
        room_mode="normal",
        options=None,
        label=label,
        notes=notes,
        created_at=NOW - timedelta(days=1),
        source=RoomSource.CREATED,
        deleted_at=None,
        server_missing_at=None,
        updated_at=NOW,
    )


@pytest.fixture
def dialog(qtbot: QtBot) -> EditRoomDialog:
    dialog = EditRoomDialog(make_room(), zone_name="Europe/Oslo")
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def shown(dialog: EditRoomDialog, qtbot: QtBot) -> EditRoomDialog:
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_values_round_trip(dialog: EditRoomDialog) -> None:
    assert dialog.values() == ("Weekly sync", "Agenda in the wiki\nBring coffee")
    dialog.label_edit.setText("  Retro  ")
    dialog.notes_edit.setPlainText("New notes\n")
    assert dialog.values() == ("Retro", "New notes\n")


def test_room_details_are_shown_read_only(dialog: EditRoomDialog) -> None:
    shown_text = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    assert "/sync-4f2a" in shown_text
    assert "2026-12-01 15:30 CET (14:30 UTC)" in shown_text
    assert "Host link: https://acme.whereby.com/sync-4f2a?roomKey=secret" in shown_text
    assert dialog.label_edit.accessibleName() == "Label"
    assert dialog.notes_edit.accessibleName() == "Notes"


def test_too_long_label_disables_ok_with_a_message(dialog: EditRoomDialog) -> None:
    assert dialog.ok_button.isEnabled()
    assert dialog.message_label.isHidden()

    dialog.label_edit.setText("x" * (LABEL_MAX_LENGTH + 1))
    assert not dialog.ok_button.isEnabled()
    assert not dialog.message_label.isHidden()
    assert f"{LABEL_MAX_LENGTH + 1} characters" in dialog.message_label.text()
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted

    dialog.label_edit.setText("x" * LABEL_MAX_LENGTH + "   ")  # surrounding spaces don't count
    assert dialog.ok_button.isEnabled()
    assert dialog.message_label.isHidden()


def test_escape_cancels(shown: EditRoomDialog, qtbot: QtBot) -> None:
    shown.label_edit.setText("Changed")
    with qtbot.waitSignal(shown.finished) as finished:
        qtbot.keyClick(shown.label_edit, Qt.Key.Key_Escape)
    assert finished.args == [QDialog.DialogCode.Rejected]


def test_enter_in_the_label_field_accepts(shown: EditRoomDialog, qtbot: QtBot) -> None:
    with qtbot.waitSignal(shown.accepted):
        qtbot.keyClick(shown.label_edit, Qt.Key.Key_Return)
    assert shown.result() == QDialog.DialogCode.Accepted


def test_enter_does_not_accept_a_too_long_label(shown: EditRoomDialog, qtbot: QtBot) -> None:
    shown.label_edit.setText("x" * (LABEL_MAX_LENGTH + 5))
    qtbot.keyClick(shown.label_edit, Qt.Key.Key_Return)
    qtbot.keyClick(shown.notes_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert shown.isVisible()
    assert shown.result() != QDialog.DialogCode.Accepted


def test_enter_in_notes_is_a_new_line_and_ctrl_enter_accepts(
    shown: EditRoomDialog, qtbot: QtBot
) -> None:
    shown.notes_edit.setFocus()
    shown.notes_edit.setPlainText("Line")
    shown.notes_edit.moveCursor(shown.notes_edit.textCursor().MoveOperation.End)
    qtbot.keyClick(shown.notes_edit, Qt.Key.Key_Return)
    assert shown.isVisible()
    assert shown.values()[1] == "Line\n"
    with qtbot.waitSignal(shown.accepted):
        qtbot.keyClick(shown.notes_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert shown.values()[1] == "Line\n"


def test_tab_moves_from_label_to_notes_to_the_buttons(shown: EditRoomDialog, qtbot: QtBot) -> None:
    assert shown.focusWidget() is shown.label_edit
    qtbot.keyClick(shown.label_edit, Qt.Key.Key_Tab)
    assert shown.focusWidget() is shown.notes_edit
    qtbot.keyClick(shown.notes_edit, Qt.Key.Key_Tab)
    assert shown.focusWidget() in shown.buttons.buttons()
