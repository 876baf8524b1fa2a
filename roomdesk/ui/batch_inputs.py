"""The New rooms dialog's first page: a preset, where the rooms come from (a number, a pasted
list of labels or a roster file), the options they share and an optional repeat.

A roster file is read when it is opened, and what was found (people, groups, the delimiter and
the encoding) or every problem, by line, is shown under it at once. :meth:`BatchInputs.read`
gives the choices as a :class:`BatchChoices`; nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QDate, QObject
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.requests import RecordingType, RoomNamePattern
from roomdesk.domain.labels import MAX_BATCH_ROOMS
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.roster import Roster, RosterError, parse_roster
from roomdesk.domain.series import MAX_INTERVAL, MAX_SESSIONS, Frequency
from roomdesk.domain.times import next_wall_time
from roomdesk.services.batch import Per
from roomdesk.services.presets import Preset, find_preset
from roomdesk.ui.batch_choices import BatchChoices, RepeatChoice, Source
from roomdesk.ui.form_rows import make_combo, set_combo, small_label
from roomdesk.ui.timezone_picker import TimeZonePicker
from roomdesk.ui.wall_time_input import read_wall, wall_time_edit, write_wall

if TYPE_CHECKING:
    from roomdesk.ui.create_room_presets import PresetChoices

ROSTER_FILTERS = ("CSV files (*.csv *.txt)", "All files (*)")
# Far more than a roster of the largest batch takes; a bigger file is the wrong file.
MAX_ROSTER_BYTES = 4 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


class OpenPathChooser(Protocol):
    """Asks which file to open, without waiting: calls ``chosen`` with the path, and not at all
    when the person cancels."""

    def __call__(
        self,
        parent: QWidget,
        title: str,
        filters: Sequence[str],
        chosen: Callable[[Path], None],
    ) -> None: ...


def open_file_dialog(
    parent: QWidget, title: str, filters: Sequence[str], chosen: Callable[[Path], None]
) -> None:
    """Ask with a file dialog, opened window-modal without a nested event loop."""
    dialog = QFileDialog(parent, title, str(Path.home()))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilters(list(filters))
    dialog.fileSelected.connect(lambda name: chosen(Path(name)))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()


def read_roster_file(path: Path) -> tuple[Roster, str]:
    """The roster in ``path`` and what was found ("12 people in 3 groups (semicolon-separated),
    UTF-8"); RosterError for a file that cannot be read or used, naming why."""
    try:
        size = path.stat().st_size
        if size > MAX_ROSTER_BYTES:
            raise RosterError([f"the file is {size:,} bytes: too large for a roster"])
        data = path.read_bytes()
    except IsADirectoryError:
        raise RosterError([f"{path} is a folder, not a file"]) from None
    except OSError as exc:
        raise RosterError([f"{path} cannot be read: {exc.strerror or exc}"]) from None
    roster = parse_roster(data)
    encoding = "UTF-8 with a byte-order mark" if data.startswith(BOM) else "UTF-8"
    return roster, f"{roster.describe()}, {encoding}"


class BatchInputs(QObject):
    """The inputs, laid out in ``widget``."""

    def __init__(
        self,
        *,
        zone_name: str,
        clock: Callable[[], datetime],
        choose_file: OpenPathChooser,
        parent: QWidget,
        presets: PresetChoices | None = None,
    ) -> None:
        """``clock``: the session's (aware) time, read when a default depends on it;
        ``presets``: those to offer, the last one chosen first (none offered without)."""
        super().__init__(parent)
        self._choose_file = choose_file
        self._presets = presets
        self._clock = clock
        now = clock()
        self.roster: Roster | None = None
        self.widget = QWidget(parent)
        layout = QVBoxLayout(self.widget)
        layout.addLayout(self._build_preset())
        layout.addWidget(self._build_source())
        layout.addWidget(self._build_options(zone_name, now))
        layout.addWidget(self._build_repeat(now))
        self._on_source()
        self._on_start_toggled(self.plan_start.isChecked())
        self._apply_preset(self.current_preset())

    def _build_preset(self) -> QVBoxLayout:
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("batchPresetCombo")
        self.preset_combo.setAccessibleName("Preset")
        self.preset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.preset_combo.addItem("No preset", "")
        presets = self._presets.library.presets if self._presets else []
        for preset in presets:
            self.preset_combo.addItem(preset.name, preset.name)
        last = self._presets.last_used if self._presets else ""
        self.preset_combo.setCurrentIndex(max(self.preset_combo.findData(last), 0) if last else 0)
        self.preset_combo.activated.connect(self._on_preset_activated)
        label = QLabel("Pr&eset:")  # Alt+P is Preview's
        label.setBuddy(self.preset_combo)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.preset_combo)
        row.addStretch(1)
        self.preset_note = small_label("batchPresetNote")
        if not presets:
            self.preset_note.setText("Presets are saved from the New room dialog.")
        layout = QVBoxLayout()
        layout.addLayout(row)
        layout.addWidget(self.preset_note)
        return layout

    # -- construction ---------------------------------------------------------------------------

    def _build_source(self) -> QGroupBox:
        box = QGroupBox("Rooms")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.source_group = QButtonGroup(box)
        self.count_radio = QRadioButton("A &number of rooms")
        self.labels_radio = QRadioButton("A l&ist of labels")
        self.roster_radio = QRadioButton("A &roster file")
        for radio in (self.count_radio, self.labels_radio, self.roster_radio):
            self.source_group.addButton(radio)
            row.addWidget(radio)
        row.addStretch(1)
        self.count_radio.setChecked(True)
        self.source_group.buttonToggled.connect(self._on_source)
        layout.addLayout(row)

        form = QFormLayout()
        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("batchLabelEdit")
        self.label_edit.setAccessibleName("Label")
        self.label_edit.setPlaceholderText("Room")
        form.addRow("&Label:", self.label_edit)
        layout.addLayout(form)

        self.source_stack = QStackedWidget()
        count_page = QWidget()
        count_form = QFormLayout(count_page)
        count_form.setContentsMargins(0, 0, 0, 0)
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("batchCountSpin")
        self.count_spin.setRange(1, MAX_BATCH_ROOMS)
        self.count_spin.setValue(3)
        self.count_spin.setAccessibleName("Number of rooms")
        count_form.addRow("Num&ber:", self.count_spin)
        self.source_stack.addWidget(count_page)

        self.labels_edit = QPlainTextEdit()
        self.labels_edit.setObjectName("batchLabelsEdit")
        self.labels_edit.setAccessibleName("Labels, one a line")
        self.labels_edit.setPlaceholderText("One label a line, e.g.\nGroup A\nGroup B")
        self.source_stack.addWidget(self.labels_edit)

        roster_page = QWidget()
        roster_layout = QVBoxLayout(roster_page)
        roster_layout.setContentsMargins(0, 0, 0, 0)
        open_row = QHBoxLayout()
        self.open_button = QPushButton("&Open…")
        self.open_button.setObjectName("batchOpenRosterButton")
        self.open_button.clicked.connect(self._ask_roster)
        self.roster_path = QLabel("No file opened")
        self.roster_path.setObjectName("batchRosterPath")
        open_row.addWidget(self.open_button)
        open_row.addWidget(self.roster_path, 1)
        roster_layout.addLayout(open_row)
        self.roster_found = small_label("batchRosterFound")
        roster_layout.addWidget(self.roster_found)
        self.per_combo = make_combo(
            [
                ("One room per group", Per.GROUP),
                ("One room per person", Per.PERSON),
                ("One group room with a personal link per person", Per.ALL),
            ],
            "Rooms from the roster",
        )
        self.per_combo.setObjectName("batchPerCombo")
        roster_layout.addWidget(self.per_combo)
        self.personal_links_check = QCheckBox("A personal &link for each person in their room")
        roster_layout.addWidget(self.personal_links_check)
        self.source_stack.addWidget(roster_page)
        layout.addWidget(self.source_stack)
        return box

    def _build_options(self, zone_name: str, now: datetime) -> QGroupBox:
        box = QGroupBox("Each room")
        form = QFormLayout(box)
        start_row = QHBoxLayout()
        self.plan_start = QCheckBox("Plan a st&art")
        self.plan_start.setObjectName("batchPlanStart")
        self.start_edit = wall_time_edit("batchStartEdit", "Start")
        start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        write_wall(self.start_edit, start.replace(tzinfo=None))
        self.plan_start.toggled.connect(self._on_start_toggled)
        start_row.addWidget(self.plan_start)
        start_row.addWidget(self.start_edit)
        start_row.addStretch(1)
        form.addRow("Starts:", start_row)

        self.duration_spin = QSpinBox()
        self.duration_spin.setObjectName("batchDurationSpin")
        self.duration_spin.setRange(5, 24 * 60)
        self.duration_spin.setSingleStep(15)
        self.duration_spin.setValue(60)
        self.duration_spin.setSuffix(" min")
        self.duration_spin.setAccessibleName("Duration")
        form.addRow("&Duration:", self.duration_spin)

        self.zone_picker = TimeZonePicker(reference_time=now)
        self.zone_picker.setZoneName(zone_name)
        form.addRow("Time &zone:", self.zone_picker)

        self.mode_combo = make_combo(
            [("Small (up to 4)", RoomMode.NORMAL), ("Large (up to 200)", RoomMode.GROUP)],
            "Room size",
        )
        form.addRow("Room &size:", self.mode_combo)
        links = QHBoxLayout()
        self.host_check = QCheckBox("&Host link")
        self.host_check.setChecked(True)
        self.viewer_check = QCheckBox("&Viewer link")
        links.addWidget(self.host_check)
        links.addWidget(self.viewer_check)
        links.addStretch(1)
        form.addRow("Links:", links)
        self.prefix_edit = QLineEdit()
        self.prefix_edit.setObjectName("batchPrefixEdit")
        self.prefix_edit.setAccessibleName("Room name prefix")
        self.prefix_edit.setPlaceholderText("Optional: a-z, 0-9 and -")
        form.addRow("Name pre&fix:", self.prefix_edit)
        return box

    def _build_repeat(self, now: datetime) -> QGroupBox:
        self.repeat_box = QGroupBox("Repea&t")
        self.repeat_box.setObjectName("batchRepeatBox")
        self.repeat_box.setCheckable(True)
        self.repeat_box.setChecked(False)
        self.repeat_box.toggled.connect(self._on_source)
        form = QFormLayout(self.repeat_box)
        every = QHBoxLayout()
        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(1, MAX_INTERVAL)
        self.interval_spin.setPrefix("every ")
        self.frequency_combo = make_combo(
            [("day(s)", Frequency.DAILY), ("week(s)", Frequency.WEEKLY)], "Repeat unit"
        )
        self.frequency_combo.setCurrentIndex(1)
        every.addWidget(self.interval_spin)
        every.addWidget(self.frequency_combo)
        every.addStretch(1)
        form.addRow("Repeats:", every)
        ends = QHBoxLayout()
        self.times_radio = QRadioButton("after")
        self.times_radio.setChecked(True)
        self.times_spin = QSpinBox()
        self.times_spin.setObjectName("batchTimesSpin")
        self.times_spin.setRange(1, MAX_SESSIONS)
        self.times_spin.setValue(4)
        self.times_spin.setSuffix(" sessions")
        self.until_radio = QRadioButton("on")
        self.until_edit = QDateEdit(QDate(now.year, now.month, now.day).addMonths(1))
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("ddd d MMM yyyy")  # as the start shows its day
        for widget in (self.times_radio, self.times_spin, self.until_radio, self.until_edit):
            ends.addWidget(widget)
        ends.addStretch(1)
        form.addRow("Ends:", ends)
        self.one_room_check = QCheckBox("One room for the whole series")
        self.one_room_check.setObjectName("batchOneRoomCheck")
        form.addRow(self.one_room_check)
        self.repeat_note = small_label("batchRepeatNote")
        form.addRow(self.repeat_note)
        self.one_room_check.toggled.connect(self._on_one_room)
        self._on_one_room(False)
        return self.repeat_box

    # -- reactions ------------------------------------------------------------------------------

    def _on_source(self, *_args: object) -> None:
        repeating = self.repeat_box.isChecked()
        # A series makes a room per session, labelled from the label: no other source.
        for radio in (self.count_radio, self.labels_radio, self.roster_radio):
            radio.setEnabled(not repeating)
        self.source_stack.setEnabled(not repeating)
        current = [Source.COUNT, Source.LABELS, Source.ROSTER].index(self.source())
        self.source_stack.setCurrentIndex(current)
        # Only the page shown takes room: a number needs one line, not the list's box.
        for index in range(self.source_stack.count()):
            policy = (
                QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            )
            if (page := self.source_stack.widget(index)) is not None:
                page.setSizePolicy(policy, policy)
        self.source_stack.adjustSize()
        if repeating and not self.plan_start.isChecked():
            self.plan_start.setChecked(True)

    def _on_start_toggled(self, on: bool) -> None:
        self.start_edit.setEnabled(on)

    def _on_one_room(self, on: bool) -> None:
        self.repeat_note.setText(
            "Its links work between sessions too, from when it is made until after the last."
            if on
            else "A room for each session, labelled “<label> 1”, “<label> 2”, …"
        )

    def _on_preset_activated(self, _index: int) -> None:
        preset = self.current_preset()
        if self._presets is not None:
            self._presets.remember(preset.name if preset else "")
        self._apply_preset(preset)

    def _apply_preset(self, preset: Preset | None) -> None:
        """Fill the page's fields from ``preset`` and say what else it gives every room; no
        preset leaves the fields as they are."""
        if preset is None:
            if self._presets and self._presets.library.presets:
                self.preset_note.clear()
            return
        set_combo(self.mode_combo, preset.room_mode)
        self.host_check.setChecked(preset.host_link)
        self.viewer_check.setChecked(preset.viewer_link)
        self.prefix_edit.setText(preset.prefix)
        if preset.duration_minutes is not None:
            self.duration_spin.setValue(preset.duration_minutes)
        # A preset without a time of day plans no start, as in the New room dialog.
        self.plan_start.setChecked(preset.start_time is not None)
        if preset.start_time is not None:
            # That time today, or tomorrow once it has passed, as the New room dialog does;
            # "today" is when the preset is chosen, not when the dialog opened.
            zone_name = self.zone_picker.zoneName() or "UTC"
            start = next_wall_time(preset.start_time, zone_name, self._clock())
            write_wall(self.start_edit, start)
        extras = preset_extras(preset)
        self.preset_note.setText(
            f"Also from this preset, for every room: {', '.join(extras)}." if extras else ""
        )

    def _ask_roster(self) -> None:
        self._choose_file(self.widget, "Open roster", ROSTER_FILTERS, self.load_roster)

    def load_roster(self, path: Path) -> None:
        """Read the roster in ``path`` and show what was found, or every problem by line."""
        self.roster_path.setText(str(path))
        try:
            self.roster, found = read_roster_file(path)
        except RosterError as exc:
            self.roster = None
            shown = exc.problems[:20]
            more = len(exc.problems) - len(shown)
            text = "\n".join(f"• {problem}" for problem in shown)
            if more > 0:
                text += f"\n• and {more} more"
            self.roster_found.setText(f"This roster cannot be used:\n{text}")
            return
        self.roster_found.setText(f"Found {found}.")

    # -- values ---------------------------------------------------------------------------------

    def current_preset(self) -> Preset | None:
        name = self.preset_combo.currentData()
        if not name or self._presets is None:
            return None
        return find_preset(self._presets.library.presets, name)

    def source(self) -> Source:
        if self.labels_radio.isChecked():
            return Source.LABELS
        if self.roster_radio.isChecked():
            return Source.ROSTER
        return Source.COUNT

    def read(self) -> BatchChoices:
        repeat = None
        if self.repeat_box.isChecked():
            until = self.until_edit.date()
            repeat = RepeatChoice(
                frequency=Frequency(self.frequency_combo.currentData()),
                interval=self.interval_spin.value(),
                times=self.times_spin.value() if self.times_radio.isChecked() else None,
                until=None
                if self.times_radio.isChecked()
                else datetime(until.year(), until.month(), until.day()).date(),
                one_room=self.one_room_check.isChecked(),
            )
        return BatchChoices(
            source=Source.COUNT if repeat is not None else self.source(),
            zone_name=self.zone_picker.zoneName(),
            duration=timedelta(minutes=self.duration_spin.value()),
            start_wall=read_wall(self.start_edit) if self.plan_start.isChecked() else None,
            count=self.count_spin.value(),
            label=self.label_edit.text(),
            labels_text=self.labels_edit.toPlainText(),
            roster=self.roster,
            per=Per(self.per_combo.currentData()),
            personal_links=self.personal_links_check.isChecked(),
            room_mode=RoomMode(self.mode_combo.currentData()),
            host_link=self.host_check.isChecked(),
            viewer_link=self.viewer_check.isChecked(),
            prefix=self.prefix_edit.text(),
            repeat=repeat,
            preset=self.current_preset(),
        )


def preset_extras(preset: Preset) -> list[str]:
    """What ``preset`` gives a room beyond the page's fields, in a few words each."""
    extras = []
    if preset.viewer_mode:
        extras.append("viewer mode")
    elif preset.locked:
        extras.append("locked")
    if preset.pattern != RoomNamePattern.UUID:
        extras.append("short room names")
    if preset.recording_type != RecordingType.NONE:
        extras.append(f"{preset.recording_type.value} recording")
    if preset.transcription:
        extras.append("transcription")
    if preset.streaming:
        extras.append("live streaming")
    if preset.invitation_template is not None:
        extras.append("its invitation")
    return extras
