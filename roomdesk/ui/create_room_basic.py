"""The create dialog's always-visible rows: label, end (with quick shifts and, for a time that
occurs twice, the choice between its occurrences), time zone, links, room size, name prefix and
style, and the start-locked and viewer-mode options.

The end is edited as a wall time in a zone without gaps (UTC), so any time can be typed;
``zoneinfo`` gives it its meaning in the chosen zone, through :class:`CreateRoomForm`.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QObject, QTime, QTimeZone
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.requests import RoomNamePattern
from roomdesk.domain.rooms import RoomMode
from roomdesk.ui.create_room_form import VIEWER_MODE_NOTE, CreateRoomForm
from roomdesk.ui.form_rows import FormRows, make_combo, set_combo, small_label
from roomdesk.ui.timezone_picker import TimeZonePicker

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

        self.end_edit = QDateTimeEdit()
        self.end_edit.setObjectName("endEdit")
        self.end_edit.setAccessibleName("Ends")
        self.end_edit.setCalendarPopup(True)
        # A zone without gaps: any wall time can be typed; zoneinfo gives it its meaning.
        self.end_edit.setTimeZone(QTimeZone.utc())
        self.end_edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.end_edit.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
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

        self.fold_row = QWidget()
        self.fold_row.setObjectName("foldRow")
        fold_layout = QHBoxLayout(self.fold_row)
        fold_layout.setContentsMargins(0, 0, 0, 0)
        fold_layout.addWidget(QLabel("That time occurs twice; use the"))
        self.fold_group = QButtonGroup(owner)
        self.fold_buttons: list[QRadioButton] = []
        for fold in (0, 1):
            fold_button = QRadioButton()
            fold_button.setObjectName(f"fold{fold}Button")
            fold_button.setAccessibleName("First occurrence" if fold == 0 else "Second occurrence")
            self.fold_group.addButton(fold_button, fold)
            fold_layout.addWidget(fold_button)
            self.fold_buttons.append(fold_button)
        fold_layout.addStretch(1)
        self.fold_row.hide()
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
        # Date and time read separately: no QDateTime zone conversion is involved.
        day: QDate = self.end_edit.date()
        clock: QTime = self.end_edit.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())

    def fold(self) -> int | None:
        fold = self.fold_group.checkedId()
        return fold if fold in (0, 1) else None

    def write_end(self, form: CreateRoomForm) -> None:
        wall = form.end_wall
        self.end_edit.setDateTime(
            QDateTime(
                QDate(wall.year, wall.month, wall.day),
                QTime(wall.hour, wall.minute),
                QTimeZone.utc(),
            )
        )
        self.fold_group.setExclusive(False)
        for fold, button in enumerate(self.fold_buttons):
            button.setChecked(form.fold == fold)
        self.fold_group.setExclusive(True)

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
        choices = form.fold_choices()
        for fold, text in choices:
            self.fold_buttons[fold].setText(text)
        self.fold_row.setVisible(bool(choices))

        if form.prefix.strip():
            self.prefix_hint.setText(f"Will be: {form.normalized_prefix}\n{form.prefix_preview}")
        else:
            self.prefix_hint.setText(f"Address: {form.prefix_preview}")
