"""The "New room" dialog: every create option, validated as you type, sent without blocking.

The dialog knows nothing of the service or the API client: it is handed ``create(request,
label, planned_start=…, time_zone=…)``, a coroutine function, and runs it as a task it can
cancel; the planned start (None when none is planned) and its zone stay on this computer. The
inputs live in the widgets of its pieces (:mod:`~roomdesk.ui.create_room_basic`, the advanced
options of :mod:`~roomdesk.ui.create_room_advanced`, the request view of
:mod:`~roomdesk.ui.create_room_request`); :class:`CreateRoomForm` (plain Python) turns them
into problems, the summary line and the request.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.errors import CreatedUnreadableError, RequestValidationError, WherebyError
from roomdesk.api.requests import MeetingRequest, RoomNamePattern
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.sessions import default_start
from roomdesk.domain.times import utc_now as now_utc
from roomdesk.services.presets import Preset
from roomdesk.store import StoreError
from roomdesk.timezones import system_zone_name
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.create_room_advanced import AdvancedOptions
from roomdesk.ui.create_room_basic import QUICK_SHIFTS, BasicInputs, Choices
from roomdesk.ui.create_room_failures import (
    CANCELLED_AFTER_SEND,
    CANCELLED_BEFORE_SEND,
    describe_failure,
)
from roomdesk.ui.create_room_form import (
    CreateRoomForm,
    FormDefaults,
    issue_sentence,
    zone_is_known,
)
from roomdesk.ui.create_room_presets import PresetBar, PresetChoices
from roomdesk.ui.create_room_request import RequestPreview
from roomdesk.ui.form_rows import FormRows, set_combo, small_label
from roomdesk.ui.preset_form import form_with_preset, form_without_preset
from roomdesk.ui.timezone_picker import negative_color

# create(request, label, planned_start=datetime | None, time_zone=str | None,
#        invitation_template=str | None)
CreateFunction = Callable[..., Awaitable[Any]]

SUMMARY_REFRESH_MS = 30_000


class CreateRoomDialog(QDialog):
    """Create one room. Show it with ``open()``; ``roomCreated(result)`` then ``accepted``
    follow a successful create, ``created_result`` keeps the result."""

    roomCreated = Signal(object)
    # Whereby made the room (a 2xx) but its answer could not be read; the text says so.
    roomCreatedUnread = Signal(str)

    def __init__(
        self,
        create: CreateFunction,
        *,
        zone_name: str,
        base_url: str,
        clock: Callable[[], datetime] = now_utc,
        defaults: FormDefaults | None = None,
        recent_zones: Iterable[str] = (),
        presets: PresetChoices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._presets = presets
        self._preset_bar: PresetBar | None = None
        self._create = create
        self._clock = clock
        self._base_url = base_url
        self._defaults = defaults or FormDefaults()
        self._task: asyncio.Task[Any] | None = None
        self._request_may_be_sent = False
        self._busy = False
        self._focus_before_busy: QWidget | None = None
        self._loading = False
        self._shown_once = False
        self._closed = False  # done() was called: a keychain answer after it fills nothing
        # The start's wall time and fold as last shown: how far a change moves it.
        self._start_seen: tuple[datetime, int | None] = (datetime(2000, 1, 1), None)
        # Issues the service reported for the last attempt, shown until the next edit.
        self._reported_issues: dict[str, str] = {}
        # Size, lock and links as the user set them, kept while viewer mode overrides them.
        self._own_choices: Choices = (RoomMode.NORMAL, False, True, False)
        self._rows = FormRows()
        self.created_result: Any = None

        self.setWindowTitle("New room")
        self.setObjectName("createRoomDialog")
        self.setSizeGripEnabled(True)

        start_zone = next(
            name
            for name in (zone_name, self._defaults.zone_name, system_zone_name(), "UTC")
            if name and zone_is_known(name)
        )
        self._chosen_zone = start_zone
        self._build_ui()
        self._basic.zone_picker.setRecentZones(
            [
                *recent_zones,
                start_zone,
                *([self._defaults.zone_name] if self._defaults.zone_name else []),
            ]
        )
        self._load_form(CreateRoomForm.default(self._clock(), start_zone, self._defaults))
        if self._preset_bar is not None:
            self._apply_preset(self._preset_bar.current())
            self._show_message(" ".join([*self._preset_bar.warnings(), self._error_area.text()]))
        self._connect_inputs()
        self._set_tab_order()
        self._apply_message_colours()

        self._tick = QTimer(self)
        self._tick.setObjectName("summaryTimer")
        self._tick.setInterval(SUMMARY_REFRESH_MS)
        self._tick.timeout.connect(self._refresh)
        self._tick.start()

        self._refresh()
        self.resize(560, 10)
        self._fit_height()
        self._basic.label_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---------------------------------------------------------------------------------------
    # Public

    def chosenZoneName(self) -> str:
        """The last valid zone picked, for the caller to remember."""
        return self._basic.zone_picker.zoneName() or self._chosen_zone

    def form(self) -> CreateRoomForm:
        """The inputs as they stand."""
        return self._read_form()

    def plansStart(self) -> bool:
        """Whether "Plan a start" is ticked, for the caller to offer it the next time."""
        return self._basic.start.planned()

    def isBusy(self) -> bool:
        return self._busy

    def reject(self) -> None:
        # Esc, Cancel and the window's close button stop a running create but keep the dialog.
        if self._task is not None and not self._task.done():
            self._task.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._closed = True
        self._tick.stop()
        super().done(result)

    # ---------------------------------------------------------------------------------------
    # Building

    def _build_ui(self) -> None:
        outer = self._outer = QVBoxLayout(self)
        if self._presets is not None:
            bar = self._preset_bar = PresetBar(self._presets, self._read_form, self._clock, self)
            bar.chosen.connect(self._apply_preset)
            bar.message.connect(self._show_message)
            outer.addLayout(bar.layout)

        self._error_area = QLabel()
        self._error_area.setObjectName("errorArea")
        self._error_area.setWordWrap(True)
        self._error_area.setTextFormat(Qt.TextFormat.PlainText)
        self._error_area.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._error_area.setFrameShape(QFrame.Shape.StyledPanel)
        self._error_area.setMargin(6)
        self._error_area.setAccessibleName("Problem")
        self._error_area.hide()
        outer.addWidget(self._error_area)

        self._inputs = QWidget()
        self._inputs.setObjectName("inputs")
        inputs_layout = self._inputs_layout = QVBoxLayout(self._inputs)
        inputs_layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        inputs_layout.addLayout(form)
        basic = self._basic = BasicInputs(
            form, self._rows, owner=self, reference_time=self._clock()
        )
        shift_buttons = basic.quick_buttons[: len(QUICK_SHIFTS)]
        for button, minutes in zip(shift_buttons, QUICK_SHIFTS, strict=True):
            button.clicked.connect(lambda _checked=False, m=minutes: self._shift_end(m))
        basic.quick_buttons[-1].clicked.connect(self._end_of_day)
        basic.zone_picker.zoneChanged.connect(self._remember_zone)
        self._advanced = AdvancedOptions(inputs_layout, self._rows)
        self._advanced.toggle.toggled.connect(self._on_advanced_toggled)
        inputs_layout.addStretch(1)

        self._scroll = QScrollArea()
        self._scroll.setObjectName("inputsScrollArea")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setWidget(self._inputs)
        outer.addWidget(self._scroll, 1)

        self._preview = RequestPreview(line_spacing=self.fontMetrics().lineSpacing())
        outer.addWidget(self._preview.view)

        status = QHBoxLayout()
        self._reason = small_label("reasonLabel")
        self._reason.setAccessibleName("Why the room cannot be created yet")
        status.addWidget(self._reason, 1)
        status.addWidget(self._preview.note, 1)
        self._busy_label = QLabel("Creating…")
        self._busy_label.setObjectName("busyLabel")
        self._busy_label.hide()
        status.addWidget(self._busy_label)
        self._busy_bar = QProgressBar()
        self._busy_bar.setObjectName("busyIndicator")
        self._busy_bar.setRange(0, 0)
        self._busy_bar.setTextVisible(False)
        self._busy_bar.setAccessibleName("Creating")
        self._busy_bar.setMaximumWidth(self.fontMetrics().averageCharWidth() * 16)
        self._busy_bar.hide()
        status.addWidget(self._busy_bar)
        outer.addLayout(status)

        self._buttons = QDialogButtonBox()
        self._create_button = QPushButton("&Create")
        self._create_button.setObjectName("createButton")
        self._create_button.setAccessibleName("Create room")
        self._cancel_button = QPushButton("Cancel")
        self._cancel_button.setObjectName("cancelButton")
        self._cancel_button.setAccessibleName("Cancel")
        self._buttons.addButton(self._cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self._buttons.addButton(self._create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        bottom = QHBoxLayout()
        bottom.addWidget(self._preview.show_button)
        bottom.addWidget(self._preview.copy_button)
        bottom.addStretch(1)
        bottom.addWidget(self._buttons)
        outer.addLayout(bottom)
        # Only once the button is inside the dialog does it become the dialog's default.
        self._create_button.setDefault(True)

        self._preview.show_button.toggled.connect(self._on_show_request)
        self._preview.copy_button.clicked.connect(self._on_copy_curl)
        self._create_button.clicked.connect(self._submit)
        self._cancel_button.clicked.connect(self.reject)

    def _connect_inputs(self) -> None:
        basic = self._basic
        for edit in self.findChildren(QLineEdit):
            if edit is not basic.zone_picker.lineEdit():
                edit.textChanged.connect(self._on_input_changed)
        for combo in self.findChildren(QComboBox):
            if combo is not basic.zone_picker:
                combo.currentIndexChanged.connect(self._on_input_changed)
        for check in self.findChildren(QCheckBox):
            if check is not basic.viewer_mode:
                check.toggled.connect(self._on_input_changed)
        basic.viewer_mode.toggled.connect(self._on_viewer_mode_toggled)
        basic.end_edit.dateTimeChanged.connect(self._on_input_changed)
        basic.start.edit.dateTimeChanged.connect(self._on_start_moved)
        basic.start.folds.on_change(self._on_input_changed)
        basic.zone_picker.editTextChanged.connect(self._on_input_changed)
        basic.fold_group.idToggled.connect(self._on_input_changed)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            *(self._preset_bar.tab_chain() if self._preset_bar is not None else []),
            *self._basic.tab_chain(),
            *self._advanced.tab_chain(),
            self._preview.view,
            self._preview.show_button,
            self._preview.copy_button,
            self._cancel_button,
            self._create_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # ---------------------------------------------------------------------------------------
    # Reading and writing the form

    def _read_form(self) -> CreateRoomForm:
        basic = self._basic
        if basic.viewer_mode.isChecked():
            room_mode, locked, host_link, viewer_link = self._own_choices
        else:
            room_mode, locked, host_link, viewer_link = basic.read_choices()
        return CreateRoomForm(
            end_wall=basic.end_wall(),
            zone_name=basic.zone_name(),
            fold=basic.fold(),
            start_wall=basic.start.wall(),
            start_fold=basic.start.fold(),
            label=basic.label_edit.text(),
            host_link=host_link,
            viewer_link=viewer_link,
            room_mode=room_mode,
            prefix=basic.prefix_edit.text(),
            pattern=RoomNamePattern(basic.name_style.currentData()),
            start_locked=locked,
            viewer_mode=basic.viewer_mode.isChecked(),
            recording=self._advanced.read_recording(),
            transcription=self._advanced.read_transcription(),
            streaming=self._advanced.read_streaming(),
        )

    def _load_form(self, form: CreateRoomForm) -> None:
        basic = self._basic
        self._loading = True
        try:
            basic.label_edit.setText(form.label)
            offered = form.starting_at(default_start(self._clock())).start_wall
            assert offered is not None
            basic.write_start(form, offered)
            self._start_seen = (basic.start.wall_shown(), basic.start.fold())
            basic.write_end(form)
            basic.zone_picker.setZoneName(form.zone_name)
            self._own_choices = (
                form.room_mode,
                form.start_locked,
                form.host_link,
                form.viewer_link,
            )
            basic.show_choices(self._own_choices)
            basic.viewer_mode.setChecked(form.viewer_mode)
            basic.prefix_edit.setText(form.prefix)
            set_combo(basic.name_style, form.pattern)
            self._advanced.load(form)
        finally:
            self._loading = False

    def _apply_preset(self, preset: Preset | None) -> None:
        """Fill the form from ``preset`` (Settings' defaults for None), keeping label and zone;
        a secret the keychain no longer has is said, and its field is left to fill in. A preset
        with secrets fills the form once the keychain has answered (see _fill_with_secrets)."""
        if preset is not None and self._preset_bar is not None and preset.secret_names:
            self._fill_with_secrets(preset)
            return
        now, form = self._clock(), self._read_form()
        if preset is None or self._preset_bar is None:
            filled = form_without_preset(form, self._defaults, now)
        else:  # a preset that refers to no secret: nothing to ask the keychain
            filled = form_with_preset(form, preset, self._preset_bar.secrets_of(preset), now)
        self._load_form(filled)
        self._show_message("")
        self._on_input_changed()

    @async_slot
    async def _fill_with_secrets(self, preset: Preset) -> None:
        """Read ``preset``'s secrets in a worker thread (a keychain may block, or first ask to be
        unlocked), the form disabled and saying so meanwhile; then fill it."""
        assert self._preset_bar is not None
        self._set_busy(True, "Reading the preset's secrets from the keychain…")
        if self._focus_before_busy is None:
            self._focus_before_busy = self._basic.label_edit  # the dialog has just opened
        try:
            secrets = await self._preset_bar.secrets_of_async(preset)
        finally:
            if shiboken6.isValid(self):
                self._set_busy(False)
        if not shiboken6.isValid(self) or self._closed:
            return  # closed while the keychain was asked
        self._load_form(form_with_preset(self._read_form(), preset, secrets, self._clock()))
        self._show_message(" ".join(secrets.missing))
        self._on_input_changed()
        self._fit_height()  # the form filled in after the dialog was laid out

    # ---------------------------------------------------------------------------------------
    # Reacting to input

    def _on_input_changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._reported_issues.clear()
        self._preview.note.clear()
        self._refresh()

    def _on_viewer_mode_toggled(self, on: bool) -> None:
        if self._loading:
            return
        self._loading = True
        try:
            if on:
                self._own_choices = self._basic.read_choices()
            else:
                self._basic.show_choices(self._own_choices)
        finally:
            self._loading = False
        self._on_input_changed()

    def _on_start_moved(self, *_args: object) -> None:
        """The end follows the start, so the session keeps its length."""
        if self._loading:
            return
        start = self._basic.start
        before_wall, before_fold = self._start_seen
        self._start_seen = (start.wall_shown(), start.fold())
        form = self._read_form()
        if form.start_wall is None:
            self._on_input_changed()
            return
        before = replace(form, start_wall=before_wall, start_fold=before_fold)
        self._apply_end(before.with_start(form.start_wall, form.start_fold))

    def _remember_zone(self, zone: str) -> None:
        self._chosen_zone = zone

    def _shift_end(self, minutes: int) -> None:
        self._apply_end(self._read_form().plus(minutes))

    def _end_of_day(self) -> None:
        self._apply_end(self._read_form().end_of_day(self._clock()))

    def _apply_end(self, form: CreateRoomForm) -> None:
        self._loading = True
        try:
            self._basic.write_end(form)
        finally:
            self._loading = False
        self._on_input_changed()

    def _on_advanced_toggled(self, _on: bool) -> None:
        self._refresh()
        self._fit_height()

    def _on_show_request(self, _on: bool) -> None:
        self._refresh()
        self._fit_height()

    def _on_copy_curl(self) -> None:
        self._preview.copy_curl(self._read_form(), self._clock(), self._base_url)

    # ---------------------------------------------------------------------------------------
    # Showing the state

    def _refresh(self) -> None:
        if self._loading:
            return
        now = self._clock()
        form = self._read_form()
        issues = form.issues(now)

        self._basic.show_derived(form, now)
        self._show_viewer_mode(form)
        self._advanced.show_relevant_rows(form)

        shown = {**self._reported_issues, **issues}
        for key, row in self._rows.by_key.items():
            row.set_issue(shown.get(key))
        self._advanced.show_problems(shown)

        reason = form.blocking_reason(now)
        self._reason.setText(reason)
        self._reason.setVisible(bool(reason) and not self._busy)
        self._create_button.setEnabled(not self._busy and not issues)
        self._create_button.setToolTip(reason)

        self._preview.show_form(form, now)

    def _show_viewer_mode(self, form: CreateRoomForm) -> None:
        forced = form.viewer_mode
        if forced:
            self._loading = True
            try:
                self._basic.show_choices(
                    (
                        form.effective_room_mode,
                        form.effective_locked,
                        form.effective_host_link,
                        form.effective_viewer_link,
                    )
                )
            finally:
                self._loading = False
        self._basic.allow_choices(not forced)

    def _set_busy(self, busy: bool, doing: str = "Creating…") -> None:
        """Hold the form while the room is created (or a preset's secrets are read): the
        inputs, the preset and Create disabled, ``doing`` said beside a busy indicator."""
        self._busy = busy
        if busy:
            focused = QApplication.focusWidget()
            self._focus_before_busy = focused if focused and self.isAncestorOf(focused) else None
            self._busy_label.setText(doing)
            self._busy_bar.setAccessibleName(doing.rstrip("…"))
        # Disabling the inputs clears the focus; it is given back when the create ends.
        self._inputs.setEnabled(not busy)
        self._preview.set_enabled(not busy)
        if self._preset_bar is not None:
            self._preset_bar.set_enabled(not busy)
        self._busy_label.setVisible(busy)
        self._busy_bar.setVisible(busy)
        self._refresh()
        if not busy and self._focus_before_busy is not None:
            self._focus_before_busy.setFocus(Qt.FocusReason.OtherFocusReason)
            self._focus_before_busy = None

    def _show_message(self, text: str) -> None:
        self._error_area.setText(text)
        self._error_area.setVisible(bool(text))

    def _apply_message_colours(self) -> None:
        colour = negative_color(self.palette())
        labels = [row.error for row in self._rows.by_key.values()]
        labels += [self._error_area, self._reason]
        for label in labels:
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Palette changes can arrive while __init__ is still building the widgets.
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_reason"):
            self._apply_message_colours()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._busy and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # a second Enter while creating does nothing
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._tick.isActive():
            self._tick.start()
        self._refresh()
        if not self._shown_once:
            self._shown_once = True
            self._fit_height()  # now the real widths, and so the wrapped heights, are known

    def _fit_height(self) -> None:
        """Grow (or shrink) to show every input, up to most of the screen; scroll beyond."""
        screen = self.screen()
        available = screen.availableGeometry().height() if screen is not None else 800
        margins = self._outer.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        if self.isVisible():
            width = self._scroll.viewport().width()
        self._inputs_layout.activate()
        wanted = max(self._inputs.sizeHint().height(), self._inputs.heightForWidth(width))
        # A little slack: wrapped hints may take a line more than the estimate.
        slack = self.fontMetrics().lineSpacing()
        self._scroll.setMinimumHeight(min(wanted + slack, int(available * 0.7)))
        self._outer.activate()
        self.resize(self.width(), min(self.sizeHint().height(), int(available * 0.95)))

    # ---------------------------------------------------------------------------------------
    # Creating

    def _submit(self) -> None:
        if self._busy or (self._task is not None and not self._task.done()):
            return  # one create at a time; a second Enter does nothing
        now = self._clock()
        form = self._read_form()
        try:
            request = form.build(now)
        except RequestValidationError:
            self._refresh()
            return
        self._show_message("")
        self._request_may_be_sent = False
        self._set_busy(True)
        # The chosen preset's own invitation template stays with the room.
        preset = self._preset_bar.current() if self._preset_bar is not None else None
        template = preset.invitation_template if preset is not None else None
        task = self._run_create(request, form.label.strip(), form.start(), form.time_zone, template)
        task.add_done_callback(self._create_finished)
        self._task = task

    @async_slot
    async def _run_create(
        self,
        request: MeetingRequest,
        label: str,
        planned_start: datetime | None,
        time_zone: str | None,
        invitation_template: str | None = None,
    ) -> None:
        # From here on the service may send the request at any moment.
        self._request_may_be_sent = True
        try:
            result = await self._create(
                request,
                label,
                planned_start=planned_start,
                time_zone=time_zone,
                invitation_template=invitation_template,
            )
        except CreatedUnreadableError as exc:
            if not shiboken6.isValid(self):
                return
            # The room exists: the form's work is done, and a second click would duplicate it.
            self._set_busy(False)
            self.roomCreatedUnread.emit(str(exc))
            self.accept()
            return
        except (WherebyError, StoreError) as exc:
            if not shiboken6.isValid(self):
                return  # the window went away meanwhile; the service has recorded the outcome
            self._set_busy(False)
            if isinstance(exc, RequestValidationError):
                self._reported_issues = {
                    issue.field: issue_sentence(issue.field, issue.message) for issue in exc.issues
                }
            self._show_message(describe_failure(exc))
            self._refresh()
            return
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        self.created_result = result
        self.roomCreated.emit(result)
        self.accept()

    def _create_finished(self, task: asyncio.Task[Any]) -> None:
        # Runs for every ending, including a cancel before the coroutine started.
        if not shiboken6.isValid(self):
            return
        self._task = None
        if self._busy:
            self._set_busy(False)
        if task.cancelled():
            self._show_message(
                CANCELLED_AFTER_SEND if self._request_may_be_sent else CANCELLED_BEFORE_SEND
            )


__all__ = [
    "CANCELLED_AFTER_SEND",
    "CANCELLED_BEFORE_SEND",
    "CreateRoomDialog",
    "FormDefaults",
    "describe_failure",
]
