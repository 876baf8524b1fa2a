"""The create dialog's always-visible rows: label, planned start (optional), end (with quick
shifts), each with the choice between the occurrences of a time that occurs twice, time zone,
links, room size, name prefix and style, and the start-locked and viewer-mode options.

Start and end are edited as wall times in a zone without gaps (UTC), so any time can be typed;
``zoneinfo`` gives them their meaning in the chosen zone, through :class:`CreateRoomForm`.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.requests import RoomNamePattern
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.sessions import START_FIELD
from roomdesk.ui.create_room_form import VIEWER_MODE_NOTE, CreateRoomForm
from roomdesk.ui.form_rows import FormRows, make_combo, set_combo, small_label
from roomdesk.ui.timezone_picker import TimeZonePicker
from roomdesk.ui.wall_time_input import (
    FoldChoice,
    StartInput,
    read_wall,
    wall_time_edit,
    write_wall,
)

# Room size, start locked, host link, viewer link: what viewer mode overrides.
Choices = tuple[RoomMode, bool, bool, bool]

# Minutes each quick button adds to the end; the last button is "End of day".
QUICK_SHIFTS = (30, 60, 120)


class BasicInputs:
    """Builds the rows into ``form`` and reads and writes the values they hold."""

    def __init__(
        self, form: QFormLayout, rows: FormRows, *, owner: QObject, reference_time: datetime
    ) -> None:
        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("labelEdit")
        self.label_edit.setAccessibleName("Label")
        self.label_edit.setPlaceholderText("Optional; kept on this computer only")
        rows.add(form, "&Label:", self.label_edit, key="label")

        self.start = StartInput(owner)
        start_row = rows.add(
            form,
            "Starts:",
            self.start.row,
            key=START_FIELD,
            extras=(self.start.folds.row,),
            hint=True,
        )
        assert start_row.hint is not None and start_row.label is not None
        start_row.label.setBuddy(self.start.plan_check)
        self.start_summary = start_row.hint
        self.start_summary.setObjectName("startSummaryLabel")
        self.start_summary.setAccessibleName("Start summary")
        self.start_summary.hide()

        self.end_edit = wall_time_edit("endEdit", "Ends")
        quick = QWidget()
        quick_layout = QHBoxLayout(quick)
        quick_layout.setContentsMargins(0, 0, 0, 0)
        self.quick_buttons: list[QPushButton] = []
        for text, name, accessible in (
            ("+30 min", "plus30Button", "End 30 minutes later"),
            ("+1 h", "plus60Button", "End 1 hour later"),
            ("+2 h", "plus120Button", "End 2 hours later"),
            ("End of &day", "endOfDayButton", "End at 23:55 local time"),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setAccessibleName(accessible)
            button.setToolTip(accessible)
            quick_layout.addWidget(button)
            self.quick_buttons.append(button)
        quick_layout.addStretch(1)

        self.end_folds = FoldChoice(owner, "fold")
        self.fold_row = self.end_folds.row
        self.fold_group = self.end_folds.group
        self.fold_buttons = self.end_folds.buttons
        rows.add(form, "&Ends:", self.end_edit, key="endDate", extras=(quick, self.fold_row))

        self.zone_picker = TimeZonePicker(reference_time=reference_time)
        self.zone_picker.setObjectName("zonePicker")
        zone_row = rows.add(form, "Time &zone:", self.zone_picker, key="timeZone", hint=True)
        assert zone_row.hint is not None
        self.summary = zone_row.hint
        self.summary.setObjectName("summaryLabel")
        self.summary.setAccessibleName("End summary")

        links = QWidget()
        links_layout = QHBoxLayout(links)
        links_layout.setContentsMargins(0, 0, 0, 0)
        self.host_link = QCheckBox("&Host link")
        self.host_link.setObjectName("hostLinkCheck")
        self.host_link.setAccessibleName("Host link")
        self.host_link.setToolTip("Also create a link that joins as host")
        self.viewer_link = QCheckBox("V&iewer link")
        self.viewer_link.setObjectName("viewerLinkCheck")
        self.viewer_link.setAccessibleName("Viewer link")
        self.viewer_link.setToolTip("Also create a link that joins as a viewer")
        links_layout.addWidget(self.host_link)
        links_layout.addWidget(self.viewer_link)
        links_layout.addStretch(1)
        links_row = rows.add(form, "Links:", links)
        links_row.container.setFocusProxy(self.host_link)
        assert links_row.label is not None
        links_row.label.setBuddy(self.host_link)

        self.room_size = make_combo(
            (
                ("Normal (up to 4 people, peer-to-peer)", RoomMode.NORMAL),
                ("Group (up to 200 people)", RoomMode.GROUP),
            ),
            "Room size",
        )
        self.room_size.setObjectName("roomSizeCombo")
        rows.add(form, "Room &size:", self.room_size, key="roomMode")

        self.prefix_edit = QLineEdit()
        self.prefix_edit.setObjectName("prefixEdit")
        self.prefix_edit.setAccessibleName("Name prefix")
        self.prefix_edit.setPlaceholderText("Optional, e.g. teamsync")
        prefix_row = rows.add(
            form, "Name &prefix:", self.prefix_edit, key="roomNamePrefix", hint=True
        )
        assert prefix_row.hint is not None
        self.prefix_hint = prefix_row.hint
        self.prefix_hint.setObjectName("prefixPreview")

        self.name_style = make_combo(
            (
                ("Long unique code (uuid)", RoomNamePattern.UUID),
                ("Short code (human-short)", RoomNamePattern.HUMAN_SHORT),
            ),
            "Name style",
        )
        self.name_style.setObjectName("nameStyleCombo")
        rows.add(form, "Name st&yle:", self.name_style, key="roomNamePattern")

        self.locked = QCheckBox("Start l&ocked")
        self.locked.setObjectName("lockedCheck")
        self.locked.setAccessibleName("Start locked")
        self.locked.setToolTip("Guests knock and wait until the host lets them in")
        self.viewer_mode = QCheckBox("&Viewer mode")
        self.viewer_mode.setObjectName("viewerModeCheck")
        self.viewer_mode.setAccessibleName("Viewer mode")
        self.viewer_note = small_label("viewerModeNote")
        self.viewer_note.setText(VIEWER_MODE_NOTE)
        self.viewer_note.hide()
        options_row = rows.add(form, "Options:", self.locked, extras=(self.viewer_mode,))
        options_box = options_row.container.layout()
        assert isinstance(options_box, QVBoxLayout)  # as FormRows.add makes it
        options_box.insertWidget(2, self.viewer_note)
        assert options_row.label is not None
        options_row.label.setBuddy(self.locked)

    def tab_chain(self) -> list[QWidget]:
        return [
            self.label_edit,
            *self.start.tab_chain(),
            self.end_edit,
            *self.quick_buttons,
            *self.fold_buttons,
            self.zone_picker,
            self.host_link,
            self.viewer_link,
            self.room_size,
            self.prefix_edit,
            self.name_style,
            self.locked,
            self.viewer_mode,
        ]

    # The end

    def end_wall(self) -> datetime:
        return read_wall(self.end_edit)

    def fold(self) -> int | None:
        return self.end_folds.fold()

    def write_end(self, form: CreateRoomForm) -> None:
        write_wall(self.end_edit, form.end_wall)
        self.end_folds.set_fold(form.fold)

    def write_start(self, form: CreateRoomForm, offered: datetime) -> None:
        """The form's start; without one, ``offered`` waits in the edit for "Plan a start"."""
        planned = form.start_wall is not None
        wall = form.start_wall if form.start_wall is not None else offered
        self.start.write(wall, form.start_fold, planned=planned)

    def zone_name(self) -> str:
        """The zone picked, or what is typed while it names none yet."""
        return self.zone_picker.zoneName() or self.zone_picker.currentText().strip()

    # The choices viewer mode overrides

    def read_choices(self) -> Choices:
        return (
            RoomMode(self.room_size.currentData()),
            self.locked.isChecked(),
            self.host_link.isChecked(),
            self.viewer_link.isChecked(),
        )

    def show_choices(self, choices: Choices) -> None:
        room_mode, locked, host_link, viewer_link = choices
        set_combo(self.room_size, room_mode)
        self.locked.setChecked(locked)
        self.host_link.setChecked(host_link)
        self.viewer_link.setChecked(viewer_link)

    def allow_choices(self, allowed: bool) -> None:
        for widget in (self.room_size, self.locked, self.host_link, self.viewer_link):
            widget.setEnabled(allowed)
        self.viewer_note.setVisible(not allowed)

    # What the inputs lead to

    def show_derived(self, form: CreateRoomForm, now: datetime) -> None:
        """The end summary, the occurrences of a repeated time, and the address preview."""
        self.summary.setText(form.summary(now))
        self.end_folds.show_choices(form.fold_choices())
        start_text = form.start_summary(now)
        self.start_summary.setText(start_text)
        self.start_summary.setVisible(bool(start_text))
        self.start.folds.show_choices(form.start_fold_choices())

        if form.prefix.strip():
            self.prefix_hint.setText(f"Will be: {form.normalized_prefix}\n{form.prefix_preview}")
        else:
            self.prefix_hint.setText(f"Address: {form.prefix_preview}")
