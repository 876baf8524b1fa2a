"""The details pane in the window and what the window hands out (an invitation on the clipboard,
a calendar file, a QR code), against the emulator, driven as a person would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from icalendar import Calendar
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from roomdesk.api.requests import Field, MeetingRequest
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.sessions.calendar import event_uid
from roomdesk.store.records import LinkKind
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.hand_outs import file_stem
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.session import AppSession


class PathChooser:
    """Answers the window's "where to save?" with the next path given, as a person would."""

    def __init__(self) -> None:
        self.answers: list[tuple[Path, str | None]] = []
        self.asked: list[tuple[str, Path, list[str]]] = []

    def __call__(self, window, title, suggested, filters, chosen) -> None:
        self.asked.append((title, suggested, list(filters)))
        if self.answers:
            path, name_filter = self.answers.pop(0)
            chosen(path, name_filter if name_filter is not None else filters[0])


@pytest.fixture
def chooser() -> PathChooser:
    return PathChooser()


@pytest.fixture
def session(app_session, aloop):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    return app_session


@pytest.fixture
def window(session, qtbot, aloop, emulator, chooser):
    main = MainWindow(session, AppSettings(app_paths()), choose_save_path=chooser)
    qtbot.addWidget(main)
    main.resize(1100, 700)
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)
    return main


def make_room(session, aloop, label="", hours=2.0, fields=frozenset()):
    request = MeetingRequest(
        end_date=datetime.now(UTC) + timedelta(hours=hours), fields=frozenset(fields)
    )
    return aloop.run(session.create_room(request, label))


def select(window, *meeting_ids):
    window.select_ids(meeting_ids[0], list(meeting_ids))


def label_row(window):
    return window.details_pane.title.text()


# -- the pane in the window ------------------------------------------------------------------


def test_selecting_rooms_fills_the_pane(window, session, aloop):
    assert window.details_pane.stack.currentWidget() is window.details_pane.hint
    one = make_room(session, aloop, label="Sprint review", fields={Field.HOST_ROOM_URL})
    two = make_room(session, aloop, label="Retro", hours=3)
    select(window, one.meeting_id)
    assert label_row(window) == "Sprint review"
    assert window.details_pane.link_rows[LinkKind.HOST].field.fullText() == one.host_room_url
    assert window.details_pane.qr.link() == one.room_url
    select(window, one.meeting_id, two.meeting_id)
    assert window.details_pane.count.text() == "2 rooms selected"
    window.table.selectionModel().clearSelection()
    assert window.details_pane.stack.currentWidget() is window.details_pane.hint


def test_the_pane_follows_the_room_when_the_store_changes_it(window, session, aloop, qtbot):
    room = make_room(session, aloop, label="Before")
    select(window, room.meeting_id)
    session.set_label(room.meeting_id, "After", "New notes")
    qtbot.waitUntil(lambda: label_row(window) == "After")
    assert window.details_pane.notes.text() == "New notes"


def test_the_panes_copy_buttons_copy_through_the_windows_checked_path(window, session, aloop):
    room = make_room(session, aloop, label="Copy me", fields={Field.HOST_ROOM_URL})
    select(window, room.meeting_id)
    window.details_pane.link_rows[LinkKind.HOST].copy_button.click()
    assert QGuiApplication.clipboard().text() == room.host_room_url
    assert window.statusBar().currentMessage() == "Host link of Copy me copied."


def test_f9_hides_and_shows_the_pane_and_it_is_remembered(window, session, aloop, qtbot):
    window.splitter.setSizes([700, 400])
    pane_width = window.splitter.sizes()[1]
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F9)
    assert window.details_pane.isHidden()
    assert window.settings.details_pane_visible is False
    window.close()
    again = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(again)
    assert not again.details_pane_action.isChecked() and again.details_pane.isHidden()
    again.details_pane_action.trigger()
    assert again.details_pane.isVisibleTo(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.splitter.sizes()[1] == pane_width
    again.close()


def test_tab_goes_from_the_list_to_the_panes_buttons(window, session, aloop, qtbot):
    room = make_room(session, aloop, label="Keys")
    select(window, room.meeting_id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.details_pane.link_rows[LinkKind.ROOM].copy_button
    for expected in (
        window.details_pane.invitation_button,
        window.details_pane.calendar_button,
        window.details_pane.qr_button,
        window.details_pane.personal_button,
    ):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected


def test_the_hand_out_actions_need_a_selection(window, session, aloop):
    room = make_room(session, aloop, label="Any")
    for action in (
        window.copy_invitation_action,
        window.save_calendar_action,
        window.save_qr_action,
        window.personal_links_action,
    ):
        assert not action.isEnabled()
    select(window, room.meeting_id)
    assert window.personal_links_action.isEnabled()
    assert window.copy_invitation_action.isEnabled()


def test_demo_mode_shows_the_pane(qtbot, aloop, keyring_backend):
    demo = AppSession(app_paths(), keys=KeyStore(environ={}, keyring_backend=keyring_backend))
    aloop.run(demo.start_demo())
    try:
        main = MainWindow(demo, AppSettings(app_paths()))
        qtbot.addWidget(main)
        main.show()
        room = make_room(demo, aloop, label="Try it", fields=frozenset(Field))
        main.select_room(room.meeting_id)
        assert label_row(main) == "Try it"
        assert main.details_pane.qr.link() == room.room_url
        main.close()
    finally:
        aloop.run(demo.shutdown())


# -- Copy invitation -------------------------------------------------------------------------


def test_ctrl_i_copies_the_invitation_as_text_and_html(window, session, aloop, qtbot):
    room = make_room(session, aloop, label="Coaching <Sam>", fields={Field.HOST_ROOM_URL})
    select(window, room.meeting_id)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasText() and mime.hasHtml()
    assert "You're invited: Coaching <Sam>" in mime.text()
    assert f"Join: {room.room_url}" in mime.text()
    assert room.host_room_url not in mime.text()
    assert "Coaching &lt;Sam&gt;" in mime.html()
    assert f'<a href="{room.room_url}">' in mime.html()
    assert window.statusBar().currentMessage() == "Invitation copied."


def test_the_invitation_follows_the_template_and_notes_settings(window, session, aloop):
    room = make_room(session, aloop, label="Sam")
    session.set_label(room.meeting_id, "Sam", "Bring one question.")
    window.settings.invitation_template = "{label} at {link}\n{notes}"
    window.settings.include_notes_in_invitation = True
    select(window, room.meeting_id)
    window.copy_invitation_action.trigger()
    assert QGuiApplication.clipboard().text() == f"Sam at {room.room_url}\nBring one question.\n"


def test_several_rooms_are_copied_one_after_the_other(window, session, aloop):
    first = make_room(session, aloop, label="First", hours=1)
    second = make_room(session, aloop, label="Second", hours=2)
    select(window, first.meeting_id, second.meeting_id)
    window.copy_invitation_action.trigger()
    mime = QGuiApplication.clipboard().mimeData()
    text = mime.text()
    assert text.index(first.room_url) < text.index(second.room_url)
    assert text.count("-" * 40) == 1
    assert mime.html().count("<hr>") == 1 and second.room_url in mime.html()
    assert "Invitations copied (2 rooms" in window.statusBar().currentMessage()


def test_a_room_nobody_can_join_gets_no_invitation(window, session, aloop):
    room = make_room(session, aloop, label="Gone")
    aloop.run(session.delete_rooms([room.meeting_id]))
    window.show_past_action.setChecked(True)
    select(window, room.meeting_id)
    QGuiApplication.clipboard().setText("before")
    window.copy_invitation_action.trigger()
    assert QGuiApplication.clipboard().text() == "before"
    assert "“Gone” is deleted: nobody can join it any more" in window.statusBar().currentMessage()


# -- files -----------------------------------------------------------------------------------


def test_save_calendar_file_writes_the_selected_rooms(window, session, aloop, chooser, tmp_path):
    first = make_room(session, aloop, label="Team: retro", hours=1)
    second = make_room(session, aloop, label="Planning", hours=2)
    select(window, first.meeting_id)
    chooser.answers.append((tmp_path / "one", None))  # no suffix: the filter's is added
    window.save_calendar_action.trigger()
    _title, suggested, filters = chooser.asked[-1]
    assert suggested.name == "Team retro.ics" and filters == ["Calendar files (*.ics)"]
    calendar = Calendar.from_ical((tmp_path / "one.ics").read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == event_uid(first.meeting_id)
    assert str(event["SUMMARY"]) == "Team: retro"
    assert "Calendar file saved" in window.statusBar().currentMessage()

    select(window, first.meeting_id, second.meeting_id)
    chooser.answers.append((tmp_path / "both.ics", None))
    window.save_calendar_action.trigger()
    assert chooser.asked[-1][1].name == "Sessions.ics"
    calendar = Calendar.from_ical((tmp_path / "both.ics").read_bytes())
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Team: retro", "Planning"]


def test_an_unwritable_path_says_why_and_changes_nothing(window, session, aloop, chooser, tmp_path):
    room = make_room(session, aloop, label="Nowhere")
    select(window, room.meeting_id)
    before = list(session._require_store().list_rooms())
    chooser.answers.append((tmp_path / "missing" / "x.ics", None))
    window.save_calendar_action.trigger()
    [box] = [d for d in window._open_dialogs if isinstance(d, QMessageBox)]
    assert (
        box.text() == f"Could not write {tmp_path / 'missing' / 'x.ics'}: its folder does not exist"
    )
    assert box.windowTitle() == "Calendar file not saved"
    assert window.statusBar().currentMessage() == "The calendar file was not saved."
    assert not (tmp_path / "missing").exists()
    assert list(session._require_store().list_rooms()) == before
    box.close()


def read_png(path: Path) -> list[str]:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    stride, width, height = image.bytesPerLine(), image.width(), image.height()
    bits = bytes(image.constBits())
    pixels = b"".join(bits[row * stride : row * stride + width] for row in range(height))
    view = memoryview(pixels).cast("B", (height, width))
    return [code.text for code in zxingcpp.read_barcodes(view)]


def test_save_qr_code_as_png_or_svg_by_suffix_or_filter(window, session, aloop, chooser, tmp_path):
    room = make_room(session, aloop, label="Scan me", fields={Field.HOST_ROOM_URL})
    select(window, room.meeting_id)
    chooser.answers += [
        (tmp_path / "code.png", None),
        (tmp_path / "picked", "SVG image (*.svg)"),
        (tmp_path / "code.gif", None),
    ]
    window.save_qr_action.trigger()
    assert chooser.asked[-1][1].name == "Scan me.png"
    assert read_png(tmp_path / "code.png") == [room.room_url]
    window.save_qr_action.trigger()
    assert (tmp_path / "picked.svg").read_text(encoding="utf-8").startswith("<?xml")
    window.save_qr_action.trigger()
    [box] = [d for d in window._open_dialogs if isinstance(d, QMessageBox)]
    assert "saved as .png or .svg" in box.text()
    assert not (tmp_path / "code.gif").exists()
    box.close()


def test_cancelling_the_file_dialog_writes_nothing(window, session, aloop, chooser, tmp_path):
    room = make_room(session, aloop, label="Cancelled")
    select(window, room.meeting_id)
    window.save_qr_action.trigger()  # no answer: the person cancelled
    suggested = chooser.asked[-1][1]
    assert suggested.name == "Cancelled.png" and not suggested.exists()
    assert not window._open_dialogs


@pytest.mark.parametrize(
    ("label", "stem"),
    [
        ("Team: retro", "Team retro"),
        ("a/b\\c", "a b c"),
        ("  ..  ", "Video session"),
        ("", "Video session"),
    ],
)
def test_file_names_from_labels_fit_any_file_system(label, stem):
    assert file_stem(label) == stem


def test_the_real_file_dialog_opens_without_waiting(session, qtbot, aloop, tmp_path):
    main = MainWindow(session, AppSettings(app_paths()))
    qtbot.addWidget(main)
    main.show()
    room = make_room(session, aloop, label="Dialog")
    main.select_room(room.meeting_id)
    main.save_calendar_action.trigger()  # returns at once: the dialog is open, not exec()'d
    from PySide6.QtWidgets import QFileDialog

    [dialog] = [d for d in main._open_dialogs if isinstance(d, QFileDialog)]
    assert dialog.isVisible()
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    dialog.selectFile(str(tmp_path / "via-dialog.ics"))
    dialog.accept()
    assert (tmp_path / "via-dialog.ics").exists()
    main.close()


@pytest.mark.parametrize(("minutes", "alarms"), [(15, [timedelta(minutes=-15)]), (0, [])])
def test_the_calendar_alarm_comes_as_long_before_as_the_reminders(
    window, session, aloop, chooser, tmp_path, minutes, alarms
):
    room = make_room(session, aloop, label="Alarm")
    window.settings.reminder_minutes = minutes
    select(window, room.meeting_id)
    chooser.answers.append((tmp_path / "alarm.ics", None))
    window.save_calendar_action.trigger()
    calendar = Calendar.from_ical((tmp_path / "alarm.ics").read_bytes())
    found = [alarm["TRIGGER"].dt for alarm in calendar.walk("VALARM")]
    assert found == alarms


def test_personal_links_opens_the_dialog_for_the_selected_room(window, session, aloop, qtbot):
    from roomdesk.ui.personal_links_dialog import PersonalLinksDialog

    room = make_room(session, aloop, label="Workshop")
    select(window, room.meeting_id)
    window.personal_links_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, PersonalLinksDialog)]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitExposed(dialog)
    assert "Workshop" in dialog.windowTitle()
    dialog.reject()
