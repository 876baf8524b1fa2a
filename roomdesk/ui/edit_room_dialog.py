"""The dialog for a room's local label, notes and planned start (F2 or double-click in the rooms
table).

Only what this computer keeps changes: the room on Whereby stays as it is, and its end (fixed when
it was made) cannot change. The caller shows the dialog with ``open()`` and, once it is accepted,
saves :meth:`EditRoomDialog.values` and :meth:`EditRoomDialog.plan` in one write.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.errors import RequestValidationError
from roomdesk.domain import rooms
from roomdesk.domain.rooms import LABEL_MAX_LENGTH
from roomdesk.domain.sessions import default_start, resolve_start, session_text, start_problem
from roomdesk.domain.times import format_end, get_zone, utc_now
from roomdesk.store.records import StoredRoom
from roomdesk.timezones import system_zone_name
from roomdesk.ui.create_room_form import repeated_time_choices, zone_is_known
from roomdesk.ui.form_rows import small_label
from roomdesk.ui.timezone_picker import TimeZonePicker, negative_color
from roomdesk.ui.wall_time_input import StartInput

END_FIXED_NOTE = "Whereby fixes a room's end when it is created; it cannot be changed."
OWN_TEMPLATE_NOTE = (
    "Its own template, from the preset it was made with, instead of the one in Settings."
)


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot be saved, or None when it can."""
    problem = rooms.label_problem(label.strip())
    return None if problem is None else f"The label {problem}."


class EditRoomDialog(QDialog):
    """Edit one room's label, notes and planned start. Ctrl+Enter saves from anywhere, Enter
    from the label. ``zone_name``: the zone the end is shown in, and a new start's."""

    def __init__(
        self,
        room: StoredRoom,
        parent: QWidget | None = None,
        *,
        zone_name: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(parent)
        self.room = room
        name = room.room_name or room.room_url
        self.setWindowTitle(f"Edit “{room.label or name}”")
        self.setMinimumWidth(460)

        self.label_edit = QLineEdit(room.label)
        self.label_edit.setPlaceholderText("A name only you see, e.g. Weekly planning")
        self.label_edit.setAccessibleName("Label")
        self.label_edit.setAccessibleDescription(
            f"Kept on this computer only; at most {LABEL_MAX_LENGTH} characters"
        )
        self.label_edit.setClearButtonEnabled(True)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Label problem")
        self.message_label.setVisible(False)

        self.notes_edit = QPlainTextEdit(room.notes)
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setPlaceholderText("Anything worth remembering about this room")
        # Tab moves on instead of typing a tab, so the dialog stays usable without a mouse.
        self.notes_edit.setTabChangesFocus(True)

        shown_zone = zone_name if zone_name and zone_is_known(zone_name) else system_zone_name()
        self._build_start(room, shown_zone, clock())

        zone = get_zone(shown_zone)
        ends = format_end(room.end_date, zone)
        room_value = _info_label(name, "Room name")
        ends_value = _info_label(ends.tooltip, "Ends")
        ends_note = small_label("endFixedNote")
        ends_note.setText(END_FIXED_NOTE)
        links = "\n".join(f"{kind.label}: {url}" for kind, url in room.links.items())
        links_value = _info_label(links or "None", "Links")

        form = QFormLayout()
        label_caption = QLabel("&Label:")
        label_caption.setBuddy(self.label_edit)
        notes_caption = QLabel("&Notes:")
        notes_caption.setBuddy(self.notes_edit)
        form.addRow(label_caption, self.label_edit)
        form.addRow("", self.message_label)
        form.addRow(notes_caption, self.notes_edit)
        form.addRow(self.start_caption, self.start_box)
        form.addRow(self.zone_caption, self.zone_picker)
        form.addRow("Room:", room_value)
        form.addRow("Ends:", _stacked(ends_value, ends_note))
        form.addRow("Links:", links_value)
        if room.invitation_template:
            # Said here since nothing else shows why this room's invitation reads differently.
            own = _info_label(OWN_TEMPLATE_NOTE, "Invitation")
            own.setObjectName("ownTemplateNote")
            form.addRow("Invitation:", own)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.accept)

        chain = [
            self.label_edit,
            self.notes_edit,
            *self.start.tab_chain(),
            self.zone_picker,
            self.buttons,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.label_edit.textChanged.connect(self._validate)
        self.start.on_change(self._validate)
        self.zone_picker.editTextChanged.connect(self._validate)
        self._apply_message_colours()
        self._validate()
        self.label_edit.setFocus()
        self.label_edit.selectAll()

    def _build_start(self, room: StoredRoom, shown_zone: str, now: datetime) -> None:
        """The planned start's inputs, showing the room's start in the zone it was planned in
        (or, without one, the next quarter hour in ``shown_zone``, waiting to be ticked)."""
        plan_zone = room.time_zone if room.time_zone and zone_is_known(room.time_zone) else None
        plan_zone = plan_zone or shown_zone
        self.start = StartInput(self, text="Plan a &start")  # Alt+N is the notes' here
        self.zone_picker = TimeZonePicker(reference_time=now)
        self.zone_picker.setObjectName("zonePicker")
        self.zone_picker.setAccessibleName("Time zone of the start")
        self.zone_picker.setZoneName(plan_zone)
        # A new start is offered no later than the end: a room ending soon still has a choice.
        start = room.planned_start or min(default_start(now), room.end_date)
        local = start.astimezone(get_zone(plan_zone))
        wall = local.replace(tzinfo=None)
        fold = local.fold if repeated_time_choices(wall, plan_zone) else None
        self.start.write(wall, fold, planned=room.planned_start is not None)

        self.start_hint = small_label("startHint")
        self.start_hint.setAccessibleName("Planned session")
        self.start_error = small_label("startError")
        self.start_error.setAccessibleName("Start problem")
        self.start_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_error.hide()
        self.start_box = _stacked(
            self.start.row, self.start.folds.row, self.start_hint, self.start_error
        )
        self.start_box.setFocusProxy(self.start.plan_check)
        self.start_caption = QLabel("Starts:")
        self.start_caption.setBuddy(self.start.plan_check)
        self.zone_caption = QLabel("Time &zone:")
        self.zone_caption.setBuddy(self.zone_picker)

    def values(self) -> tuple[str, str]:
        """The label (without surrounding spaces) and the notes, as entered."""
        return self.label_edit.text().strip(), self.notes_edit.toPlainText()

    def plan(self) -> dict[str, datetime | str | None]:
        """``planned_start`` (in UTC, None for no planned start) and ``time_zone`` (the zone it
        is planned in, None with it), as :meth:`RoomStore.set_label` takes them. Only
        meaningful while there is no :meth:`start_problem`."""
        start, _problem = self._checked_start()
        if start is None:
            return {"planned_start": None, "time_zone": None}
        # In UTC: one of a repeated hour's times never equals its UTC self in another zone.
        return {"planned_start": start.astimezone(UTC), "time_zone": self.zone_picker.zoneName()}

    def start_problem(self) -> str | None:
        """Why the planned start cannot be saved, or None when it can (or none is planned)."""
        return self._checked_start()[1]

    def _checked_start(self) -> tuple[datetime | None, str | None]:
        wall = self.start.wall()
        if wall is None:
            return None, None
        zone_name = self.zone_picker.zoneName()
        if not zone_name:
            return None, "Choose a known time zone for the start, for example Europe/Oslo."
        try:
            start = resolve_start(wall, zone_name, fold=self.start.fold())
        except RequestValidationError as exc:
            return None, " ".join(issue.message for issue in exc.issues)
        return start, start_problem(start, self.room.end_date, get_zone(zone_name))

    def accept(self) -> None:
        if label_problem(self.label_edit.text()) is None and self.start_problem() is None:
            super().accept()

    def _validate(self, *_args: object) -> None:
        problem = label_problem(self.label_edit.text())
        self.message_label.setText(problem or "")
        self.message_label.setVisible(problem is not None)

        zone_name = self.zone_picker.zoneName()
        wall = self.start.wall()
        self.start.folds.show_choices(
            repeated_time_choices(wall, zone_name) if wall is not None and zone_name else []
        )
        start, start_issue = self._checked_start()
        self.start_error.setText(start_issue or "")
        self.start_error.setVisible(start_issue is not None)
        self.start.row.setAccessibleDescription(start_issue or "")
        if wall is None:
            hint = "No planned start: the list shows no session and no reminder comes."
        elif start is not None and start_issue is None:
            hint = f"Session: {session_text(start, self.room.end_date, get_zone(zone_name))}"
        else:
            hint = ""
        self.start_hint.setText(hint)
        self.start_hint.setVisible(bool(hint))
        self.zone_picker.setEnabled(wall is not None)
        self.ok_button.setEnabled(problem is None and start_issue is None)

    def _apply_message_colours(self) -> None:
        colour = negative_color(self.palette())
        for label in (self.message_label, self.start_error):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            label.setPalette(palette)


def _stacked(*widgets: QWidget) -> QWidget:
    """``widgets`` one above the other, as one form field."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _info_label(text: str, accessible_name: str) -> QLabel:
    label = QLabel(text)
    label.setAccessibleName(accessible_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
