"""EditRoomDialog: values, label validation, the planned start and keyboard use."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from roomdesk.domain.rooms import LABEL_MAX_LENGTH
from roomdesk.store.records import RoomSource, StoredRoom
from roomdesk.ui.edit_room_dialog import END_FIXED_NOTE, OWN_TEMPLATE_NOTE, EditRoomDialog

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
    # A room made without a preset's own template follows Settings: nothing to say.
    assert dialog.findChild(QLabel, "ownTemplateNote") is None


def test_a_rooms_own_invitation_template_is_said(qtbot: QtBot) -> None:
    room = dataclasses.replace(make_room(), invitation_template="Hi {label}")
    dialog = EditRoomDialog(room, zone_name="Europe/Oslo")
    qtbot.addWidget(dialog)
    note = dialog.findChild(QLabel, "ownTemplateNote")
    assert note is not None and note.text() == OWN_TEMPLATE_NOTE
    assert note.accessibleName() == "Invitation"


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


def test_tab_moves_from_label_to_notes_to_the_start_to_the_buttons(
    shown: EditRoomDialog, qtbot: QtBot
) -> None:
    assert shown.focusWidget() is shown.label_edit
    qtbot.keyClick(shown.label_edit, Qt.Key.Key_Tab)
    assert shown.focusWidget() is shown.notes_edit
    qtbot.keyClick(shown.notes_edit, Qt.Key.Key_Tab)
    assert shown.focusWidget() is shown.start.plan_check
    # Without a planned start its time and zone are off, so Tab goes on to the buttons.
    qtbot.keyClick(shown.start.plan_check, Qt.Key.Key_Tab)
    assert shown.focusWidget() in shown.buttons.buttons()
    shown.start.plan_check.setChecked(True)
    shown.start.plan_check.setFocus()
    qtbot.keyClick(shown.start.plan_check, Qt.Key.Key_Tab)
    assert shown.focusWidget() is shown.start.edit


# -- the planned start -------------------------------------------------------------------------


def planned_dialog(qtbot: QtBot, **changes) -> EditRoomDialog:
    room = dataclasses.replace(make_room(), **changes)
    dialog = EditRoomDialog(room, zone_name="Europe/Oslo", clock=lambda: NOW)
    qtbot.addWidget(dialog)
    return dialog


def test_the_planned_start_is_shown_in_its_own_zone_and_saved_with_it(qtbot: QtBot) -> None:
    start = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    dialog = planned_dialog(qtbot, planned_start=start, time_zone="Asia/Tokyo")
    assert dialog.start.plan_check.isChecked()
    assert dialog.start.wall() == datetime(2026, 12, 1, 22, 0)  # 13:00 UTC in Tokyo
    assert dialog.zone_picker.zoneName() == "Asia/Tokyo"
    assert dialog.start_hint.text() == "Session: Tue 1 Dec 22:00–23:30"
    assert dialog.plan() == {"planned_start": start, "time_zone": "Asia/Tokyo"}
    assert END_FIXED_NOTE in "\n".join(label.text() for label in dialog.findChildren(QLabel))

    dialog.start.edit.setTime(QTime(21, 0))
    assert dialog.plan() == {
        "planned_start": datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        "time_zone": "Asia/Tokyo",
    }
    dialog.start.plan_check.setChecked(False)  # "No planned start"
    assert dialog.plan() == {"planned_start": None, "time_zone": None}
    assert dialog.start_hint.text().startswith("No planned start")
    assert not dialog.zone_picker.isEnabled()
    assert dialog.ok_button.isEnabled()


def test_a_room_without_a_start_offers_the_next_quarter_hour_in_the_users_zone(
    qtbot: QtBot,
) -> None:
    dialog = planned_dialog(qtbot)
    assert not dialog.start.plan_check.isChecked() and not dialog.start.edit.isEnabled()
    mnemonics = [
        text[text.index("&") + 1].lower()
        for widget in (*dialog.findChildren(QLabel), dialog.start.plan_check)
        if "&" in (text := widget.text())
    ]
    assert len(mnemonics) == len(set(mnemonics)) == 4  # label, notes, start, zone
    assert dialog.plan() == {"planned_start": None, "time_zone": None}
    dialog.start.plan_check.setChecked(True)
    assert dialog.start.wall() == datetime(2026, 12, 1, 13, 0)  # 12:00 UTC is 13:00 in Oslo
    assert dialog.plan()["time_zone"] == "Europe/Oslo"


def test_a_start_after_the_end_is_refused_naming_both(qtbot: QtBot) -> None:
    dialog = planned_dialog(qtbot)
    dialog.start.plan_check.setChecked(True)
    dialog.start.edit.setTime(QTime(16, 0))  # the room ends at 15:30 in Oslo
    problem = dialog.start_problem()
    assert problem is not None
    assert "Tue 1 Dec 2026 16:00 CET" in problem and "Tue 1 Dec 2026 15:30 CET" in problem
    assert dialog.start_error.text() == problem and not dialog.start_error.isHidden()
    assert not dialog.ok_button.isEnabled()
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.start.edit.setTime(QTime(15, 30))
    assert dialog.start_problem() is None and dialog.ok_button.isEnabled()


def test_a_start_in_the_repeated_hour_asks_which_one(qtbot: QtBot) -> None:
    dialog = planned_dialog(
        qtbot,
        end_date=datetime(2026, 10, 25, 10, 0, tzinfo=UTC),
        planned_start=datetime(2026, 10, 25, 6, 0, tzinfo=UTC),
        time_zone="Europe/Oslo",
    )
    dialog.start.edit.setTime(QTime(2, 30))
    assert "occurs twice" in (dialog.start_problem() or "")
    assert not dialog.start.folds.row.isHidden()
    dialog.start.folds.buttons[1].click()
    assert dialog.start_problem() is None
    assert dialog.plan()["planned_start"] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
