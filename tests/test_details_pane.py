"""The details pane and its QR code, as widgets of their own: what a room's page says, for one
room, several or none; and the settings they and the hand-outs read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import zxingcpp
from PySide6.QtGui import QAction, QImage

from roomdesk.paths import app_paths
from roomdesk.sessions import qr as qr_module
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE
from roomdesk.store.records import LinkKind
from roomdesk.ui import room_facts
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.details_pane import HINT, DetailsPane, PaneActions
from roomdesk.ui.qr_widget import QrWidget
from tests.session_samples import END, HOST_LINK, LINK, START, VIEWER_LINK, stored

BEFORE_END = END - timedelta(hours=3)


@pytest.fixture
def settings() -> AppSettings:
    settings = AppSettings(app_paths())
    settings.default_zone = "Europe/Oslo"
    return settings


@pytest.fixture
def pane(qtbot, settings):
    actions = PaneActions(*(QAction(name) for name in ("invite", "ics", "qr", "links")))
    pane = DetailsPane(settings, actions)
    pane.actions_kept = actions  # the actions live as long as the pane
    qtbot.addWidget(pane)
    pane.resize(360, 700)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


# -- settings --------------------------------------------------------------------------------


def test_hand_out_settings_have_their_defaults_and_keep_what_is_set(settings):
    assert settings.invitation_template == DEFAULT_TEMPLATE
    assert settings.include_notes_in_invitation is False
    assert settings.details_pane_visible is True
    settings.invitation_template = "Join {label}: {link}"
    settings.include_notes_in_invitation = True
    settings.details_pane_visible = False
    settings.sync()
    again = AppSettings(app_paths())
    assert again.invitation_template == "Join {label}: {link}"
    assert again.include_notes_in_invitation is True
    assert again.details_pane_visible is False


@pytest.mark.parametrize("stored_template", ["", "   \n", "Join {lable}", "Join {link"])
def test_an_empty_or_broken_stored_template_reads_as_the_default(settings, stored_template):
    settings.invitation_template = stored_template
    assert settings.invitation_template == DEFAULT_TEMPLATE


# -- the QR code -----------------------------------------------------------------------------


def read_codes(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    stride, width, height = gray.bytesPerLine(), gray.width(), gray.height()
    bits = bytes(gray.constBits())
    pixels = b"".join(bits[row * stride : row * stride + width] for row in range(height))
    return [
        code.text for code in zxingcpp.read_barcodes(memoryview(pixels).cast("B", (height, width)))
    ]


@pytest.mark.parametrize("side", [140, 181, 233, 400])
def test_the_qr_code_reads_back_as_the_link_at_any_size_with_crisp_modules(qtbot, side):
    widget = QrWidget()
    qtbot.addWidget(widget)
    widget.setLink(LINK)
    widget.setFixedSize(side, side)
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    assert read_codes(image) == [LINK]
    rect = widget.code_rect()
    modules = widget.modules()
    assert rect.width() == rect.height() and rect.width() % modules == 0
    module = rect.width() // modules
    assert module >= 3
    # Crisp: only black and white, each module a whole number of pixels of one colour.
    inside = [
        image.pixelColor(x, y).value()
        for y in range(rect.top(), rect.bottom() + 1)
        for x in range(rect.left(), rect.right() + 1)
    ]
    assert set(inside) <= {0, 255}
    matrix = qr_module.qr_matrix(LINK)
    for row in range(modules):
        for column in range(modules):
            x, y = rect.left() + column * module, rect.top() + row * module
            corners = {
                image.pixelColor(x, y).value(),
                image.pixelColor(x + module - 1, y + module - 1).value(),
            }
            assert corners == {0 if matrix[row][column] else 255}
    # The quiet zone is kept: four light modules round the code.
    assert not any(matrix[0]) and not any(row[0] for row in matrix)


def test_the_qr_code_of_a_link_is_made_once(qtbot, monkeypatch):
    made: list[str] = []
    real = qr_module.qr_matrix

    def counting(link: str, **kwargs):
        made.append(link)
        return real(link, **kwargs)

    monkeypatch.setattr(qr_module, "qr_matrix", counting)
    widget = QrWidget()
    qtbot.addWidget(widget)
    for link in (LINK, VIEWER_LINK, LINK, VIEWER_LINK, LINK):
        widget.setLink(link)
    assert made == [LINK, VIEWER_LINK]
    assert widget.accessibleName() == "QR code of the participant link"


# -- the pane --------------------------------------------------------------------------------


def test_no_selection_shows_the_hint_and_makes_no_other_page(pane):
    pane.showRooms([], None, BEFORE_END)
    assert pane.stack.currentWidget() is pane.hint
    assert pane.hint.text() == HINT
    assert pane.stack.count() == 1 and pane.tabChain() == []


def test_a_room_shows_its_label_times_links_status_notes_and_code(pane):
    room = stored(notes="Bring one question.", label="Coaching with Sam")
    pane.showRooms([room], room, BEFORE_END)
    assert pane.stack.currentWidget() is pane.room_page
    assert pane.title.text() == "Coaching with Sam"
    assert pane.status.text() == "Status: Active"
    # No start is planned: open from when the room was made, in the person's zone.
    assert pane.room_time.text() == (
        "No start planned: open from Monday 7 December 2026, 14:00 until Tuesday 8 December "
        "2026, 15:30 (Europe/Oslo, UTC+01:00)"
    )
    assert pane.your_time.isHidden()
    participant, host, viewer = (pane.link_rows[kind] for kind in LinkKind)
    assert participant.field.fullText() == LINK and participant.copy_button.isEnabled()
    assert host.field.fullText() == HOST_LINK and "for hosts only" in host.caption.text()
    assert viewer.field.isHidden() and viewer.copy_button.isHidden()
    assert pane.notes.text() == "Bring one question." and pane.notes.isVisible()
    assert pane.qr.link() == LINK
    assert pane.qr.accessibleName() == "QR code of the participant link"


def test_the_session_is_shown_in_the_rooms_zone_and_the_persons_when_they_differ(pane, settings):
    settings.default_zone = "Asia/Tokyo"
    room = stored(planned_start=START, time_zone="Europe/Oslo")
    pane.showRooms([room], room, BEFORE_END)
    assert pane.room_time.text() == (
        "Room's time: Tuesday 8 December 2026, 14:00–15:30 (Europe/Oslo, UTC+01:00)"
    )
    assert pane.your_time.text() == (
        "Your time: Tuesday 8 December 2026, 22:00–23:30 (Asia/Tokyo, UTC+09:00)"
    )
    assert pane.your_time.isVisible()


def test_a_link_that_fails_the_check_is_shown_but_not_copyable(pane):
    bad = "http://evil.example/phish\x07"
    room = stored(room_url=bad, host_room_url=None)
    pane.showRooms([room], room, BEFORE_END)
    row = pane.link_rows[LinkKind.ROOM]
    assert row.field.fullText() == "http://evil.example/phish\ufffd"
    assert not row.copy_button.isEnabled()
    assert "is not an https link to a whereby.com room" in row.problem.text()
    assert row.problem.isVisible()
    assert pane.qr.isHidden() and pane.qr.link() is None
    assert "No QR code" in pane.qr_caption.text()


def test_a_viewer_mode_room_shows_the_code_of_its_viewer_link(pane):
    room = stored(viewer_room_url=VIEWER_LINK, options={"templateType": "viewerMode"})
    pane.showRooms([room], room, BEFORE_END)
    assert pane.qr.link() == VIEWER_LINK
    assert pane.qr.accessibleName() == "QR code of the viewer link"


def test_a_room_nobody_can_join_says_so(pane):
    room = stored(deleted_at=START)
    pane.showRooms([room], room, BEFORE_END)
    assert pane.status.text() == "Status: Deleted — nobody can join it any more"


def test_several_rooms_show_their_count_and_what_can_be_done_to_all(pane):
    rooms = [stored(meeting_id=f"m-{n}") for n in range(3)]
    pane.showRooms(rooms, rooms[0], BEFORE_END)
    assert pane.stack.currentWidget() is pane.many_page
    assert pane.count.text() == "3 rooms selected"
    assert pane.many_invitation_button.isVisible() and pane.many_calendar_button.isVisible()


def test_the_buttons_follow_their_actions(pane):
    room = stored()
    pane.showRooms([room], room, BEFORE_END)
    pane.actions_kept.save_qr.setEnabled(False)
    assert not pane.qr_button.isEnabled()
    pane.actions_kept.save_qr.setEnabled(True)
    assert pane.qr_button.isEnabled()
    triggered: list[bool] = []
    pane.actions_kept.copy_invitation.triggered.connect(lambda: triggered.append(True))
    pane.invitation_button.click()
    assert triggered == [True]


def test_a_hidden_pane_is_filled_when_shown_again(pane):
    pane.hide()
    room = stored(label="Later")
    pane.showRooms([room], room, BEFORE_END)
    assert pane.stack.currentWidget() is pane.hint
    pane.show()
    assert pane.title.text() == "Later"


def test_the_same_room_again_is_not_filled_again_but_a_changed_one_is(pane, monkeypatch):
    room = stored(label="First")
    pane.showRooms([room], room, BEFORE_END)
    filled: list[str] = []
    real = room_facts.facts_of
    monkeypatch.setattr(
        room_facts,
        "facts_of",
        lambda room, settings: filled.append(room.label) or real(room, settings),
    )
    pane.showRooms([room], room, BEFORE_END)
    assert filled == []
    renamed = stored(label="Renamed")
    pane.showRooms([renamed], renamed, BEFORE_END)
    assert filled == ["Renamed"] and pane.title.text() == "Renamed"
    # The clock moving the status on fills it again.
    pane.showRooms([renamed], renamed, END + timedelta(minutes=1))
    assert pane.status.text() == "Status: Ended"


def test_each_control_has_an_accessible_name(pane):
    room = stored(viewer_room_url=VIEWER_LINK)
    pane.showRooms([room], room, BEFORE_END)
    for widget in pane.tabChain():
        assert widget.accessibleName(), widget
    assert pane.qr.accessibleName()
