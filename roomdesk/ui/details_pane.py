"""The details pane beside the room list: the selected room's page (its label, session times,
links with Copy buttons, status, notes and the QR code of the link to share) and buttons for what
is handed out; for several rooms, what can be done to all of them; for none, a hint.

Filling it is cheap work done on each selection: texts, and one QR code, made once per link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from roomdesk.store.records import LinkKind, StoredRoom
from roomdesk.ui.app_settings import AppSettings

if TYPE_CHECKING:
    from roomdesk.sessions.facts import SessionFacts

HINT = "Select a room to see its links, its QR code and what to hand out."
NO_LABEL = "Untitled room"
# What is said beside each link; the host link lets whoever opens it run the room.
LINK_CAPTIONS = {
    LinkKind.ROOM: "Participant link",
    LinkKind.HOST: "Host link — for hosts only",
    LinkKind.VIEWER: "Viewer link",
}


class PaneActions(NamedTuple):
    """The window's actions the pane offers as buttons; a button follows its action's state."""

    copy_invitation: QAction
    save_calendar: QAction
    save_qr: QAction
    personal_links: QAction
    after_session: QAction | None = None  # recordings, transcripts and attendance


def _visible_text(text: str) -> str:
    """``text`` with characters that do not print (a damaged stored link) shown as �."""
    return text if text.isprintable() else "".join(c if c.isprintable() else "\ufffd" for c in text)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _plain_label(accessible_name: str) -> QLabel:
    label = QLabel()
    # Stored texts (labels, notes) are shown as they are, never read as HTML.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(accessible_name)
    return label


def _action_button(action: QAction, text: str, accessible_name: str) -> QPushButton:
    """A button that triggers ``action`` and is enabled when it is."""
    button = QPushButton(text)
    button.setAccessibleName(accessible_name)
    button.setToolTip(action.toolTip())
    button.setEnabled(action.isEnabled())
    button.clicked.connect(action.trigger)
    action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
    return button


class ElidedLabel(QLabel):
    """One line of text cut in the middle to the width it has, so that both a link's site and
    its end (the room, a host key) show; the whole text is its tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        # As wide as the pane makes it: a long link must not widen the pane.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def fullText(self) -> str:
        return self._full

    def setFullText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, self.width()))


class _LinkRow:
    """A link's caption, its text, a Copy button and, for a link that fails the check, why."""

    def __init__(self, kind: LinkKind, grid: QGridLayout, row: int) -> None:
        self.kind = kind
        self.caption = QLabel(LINK_CAPTIONS[kind])
        self.field = ElidedLabel()
        self.field.setAccessibleName(kind.label)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName(f"Copy the {kind.label.lower()}")
        self.copy_button.setToolTip(f"Copy the {kind.label.lower()}")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(f"Why the {kind.label.lower()} cannot be copied")
        grid.addWidget(self.caption, row, 0, 1, 2)
        grid.addWidget(self.field, row + 1, 0)
        grid.addWidget(self.copy_button, row + 1, 1)
        grid.addWidget(self.problem, row + 2, 0, 1, 2)

    def show(self, url: str | None) -> None:
        widgets = (self.caption, self.field, self.copy_button)
        for widget in widgets:
            widget.setVisible(bool(url))
        if not url:
            self.problem.hide()
            return
        self.field.setFullText(_visible_text(url))
        # Imported at the first room shown: the pane is made before the first frame, empty.
        from roomdesk.api.models import room_link_problem

        problem = room_link_problem(url)
        self.copy_button.setEnabled(problem is None)
        self.problem.setVisible(problem is not None)
        if problem is not None:
            self.problem.setText(
                f"Not copyable: this {problem}. Refresh (F5) to fetch the room's links again."
            )


class DetailsPane(QWidget):
    """Shows what :meth:`showRooms` is given; asks the window to copy a link through
    ``copyLinkRequested`` (the window's own copy, with its link check)."""

    copyLinkRequested = Signal(object)  # LinkKind
    controlsBuilt = Signal()  # the pages with buttons were made: tabChain() has them now

    def __init__(
        self, settings: AppSettings, actions: PaneActions, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setAccessibleName("Room details")
        self._shown: tuple[object, ...] | None = None
        self._waiting: tuple[Sequence[StoredRoom], StoredRoom | None, datetime] | None = None

        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint.setAccessibleName("No room selected")
        self._actions = actions
        self._built = False
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def _build_pages(self) -> None:
        """Make the pages of a room and of several, at the first selection: a window opens
        with none, and its first frame should not wait for them."""
        if self._built:
            return
        self._built = True
        self.room_page = self._build_room_page(self._actions)
        self.many_page = self._build_many_page(self._actions)
        self.stack.addWidget(self.room_page)
        self.stack.addWidget(self.many_page)
        self.controlsBuilt.emit()

    def _build_room_page(self, actions: PaneActions) -> QScrollArea:
        from roomdesk.ui.qr_widget import QrWidget

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Label")
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        self.title.setFont(title_font)
        self.room_name = _plain_label("Room name")
        self.room_name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status = _plain_label("Status")
        self.room_time = _plain_label("Session time in the room's zone")
        self.your_time = _plain_label("Session time in your zone")

        links = QGridLayout()
        links.setContentsMargins(0, 0, 0, 0)
        links.setColumnStretch(0, 1)
        self.link_rows = {}
        for position, kind in enumerate(LinkKind):
            row = _LinkRow(kind, links, position * 3)
            row.copy_button.clicked.connect(
                lambda _checked=False, kind=kind: self.copyLinkRequested.emit(kind)
            )
            self.link_rows[kind] = row

        self.notes_caption = _caption("Notes")
        self.notes = _plain_label("Notes")
        self.qr = QrWidget()
        self.qr_caption = QLabel()
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.qr_caption.setWordWrap(True)

        self.invitation_button = _action_button(
            actions.copy_invitation, "Copy invitation", "Copy invitation"
        )
        self.calendar_button = _action_button(
            actions.save_calendar, "Save calendar file…", "Save calendar file"
        )
        self.qr_button = _action_button(actions.save_qr, "Save QR code…", "Save QR code")
        self.personal_button = _action_button(
            actions.personal_links, "Personal links…", "Personal links"
        )
        self.after_button: QPushButton | None = None
        if actions.after_session is not None:
            self.after_button = _action_button(
                actions.after_session, "After the session…", "After the session"
            )
        buttons = QGridLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for index, button in enumerate(
            (self.invitation_button, self.calendar_button, self.qr_button, self.personal_button)
        ):
            buttons.addWidget(button, index // 2, index % 2)
        if self.after_button is not None:
            buttons.addWidget(self.after_button, 2, 0, 1, 2)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 0, 8)
        for widget in (self.title, self.room_name, self.status, self.room_time, self.your_time):
            layout.addWidget(widget)
        layout.addSpacing(6)
        layout.addLayout(links)
        # The hand-outs before the notes and the code: in view without scrolling in a small
        # window, and in the same order as the keyboard reaches them.
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addSpacing(6)
        layout.addWidget(self.notes_caption)
        layout.addWidget(self.notes)
        layout.addSpacing(6)
        layout.addWidget(self.qr)
        layout.addWidget(self.qr_caption)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return scroll

    def _build_many_page(self, actions: PaneActions) -> QWidget:
        page = QWidget()
        self.count = QLabel()
        self.count.setAccessibleName("Rooms selected")
        count_font = QFont(self.count.font())
        count_font.setBold(True)
        count_font.setPointSizeF(count_font.pointSizeF() * 1.3)
        self.count.setFont(count_font)
        explanation = QLabel(
            "Copy their invitations one after the other, or save them all in one calendar file."
        )
        explanation.setWordWrap(True)
        self.many_invitation_button = _action_button(
            actions.copy_invitation, "Copy invitations", "Copy invitations"
        )
        self.many_calendar_button = _action_button(
            actions.save_calendar, "Save calendar file…", "Save calendar file"
        )
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.count)
        layout.addWidget(explanation)
        row = QHBoxLayout()
        row.addWidget(self.many_invitation_button)
        row.addWidget(self.many_calendar_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        for button in (self.many_invitation_button, self.many_calendar_button):
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        return page

    def tabChain(self) -> list[QWidget]:
        """The pane's controls in keyboard order; hidden ones are passed over by Qt."""
        if not self._built:
            return []
        return [
            *(self.link_rows[kind].copy_button for kind in LinkKind),
            self.invitation_button,
            self.calendar_button,
            self.qr_button,
            self.personal_button,
            *([self.after_button] if self.after_button is not None else []),
            self.many_invitation_button,
            self.many_calendar_button,
        ]

    # -- filling -------------------------------------------------------------------------------

    def showRooms(
        self, selected: Sequence[StoredRoom], single: StoredRoom | None, now: datetime
    ) -> None:
        """Show ``single``'s page when it is the one room selected, a summary of ``selected``
        when there are several, else the hint; statuses as at ``now``. A hidden pane is
        filled when it is shown again."""
        if self.isHidden():
            self._waiting = (selected, single, now)
            return
        self._waiting = None
        if selected or single is not None:
            self._build_pages()
        if len(selected) > 1:
            key: tuple[object, ...] = ("many", len(selected))
            if key != self._shown:
                self.count.setText(f"{len(selected):,} rooms selected")
                self.stack.setCurrentWidget(self.many_page)
        elif single is not None:
            key = ("room", single, single.status(now), self.settings.default_zone)
            if key != self._shown:
                self._fill_room(single, now)
                self.stack.setCurrentWidget(self.room_page)
        else:
            key = ("none",)
            self.stack.setCurrentWidget(self.hint)
        self._shown = key

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._waiting is not None:
            self.showRooms(*self._waiting)

    def _fill_room(self, room: StoredRoom, now: datetime) -> None:
        # Imported at the first room shown: the first frame needs none of them.
        from roomdesk.sessions.facts import shared_link
        from roomdesk.ui.room_facts import facts_of, user_zone

        facts = facts_of(room, self.settings)
        self.title.setText(room.label.strip() or NO_LABEL)
        self.room_name.setText(room.room_name or room.meeting_id)
        status = room.status(now)
        self.status.setText(
            f"Status: {status.label}"
            if status.is_usable
            else f"Status: {status.label} — nobody can join it any more"
        )
        yours = user_zone(self.settings)
        both = yours.key != facts.zone.key
        room_time = _session_text(facts, facts.zone)
        self.room_time.setText(f"Room's time: {room_time}" if both else room_time)
        if both:
            self.your_time.setText(f"Your time: {_session_text(facts, yours)}")
        self.your_time.setVisible(both)
        links = room.links
        for kind, row in self.link_rows.items():
            row.show(links.get(kind))
        notes = room.notes.strip()
        self.notes.setText(notes)
        self.notes.setVisible(bool(notes))
        self.notes_caption.setVisible(bool(notes))
        self._show_code(facts, shared_link(facts))

    def _show_code(self, facts: SessionFacts, link: str) -> None:
        from roomdesk.api.models import room_link_problem
        from roomdesk.sessions.facts import VIEWER_MODE

        viewer = facts.room_mode == VIEWER_MODE and bool(facts.viewer_room_url)
        which = "viewer" if viewer else "participant"
        problem = room_link_problem(link)
        self.qr.setLink(None if problem else link)
        self.qr.setVisible(problem is None)
        self.qr.setAccessibleName(f"QR code of the {which} link")
        if problem:
            self.qr_caption.setText(f"No QR code: the {which} link {problem}.")
        else:
            self.qr_caption.setText(f"Scan to open the {which} link")


def _session_text(facts: SessionFacts, zone: ZoneInfo) -> str:
    """When the session runs, read in ``zone``: "Tuesday 8 December 2026, 14:00–15:00
    (Europe/Oslo, UTC+01:00)", or, with no start planned, "No start planned: open from … until
    …"."""
    from roomdesk.sessions.invitation import time_texts

    start, end, zone_text = time_texts(facts._replace(zone=zone))
    if facts.planned:
        return f"{start}–{end} ({zone_text})"
    return f"No start planned: {start} until {end} ({zone_text})"
