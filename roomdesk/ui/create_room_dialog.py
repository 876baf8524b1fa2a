"""The "New room" dialog: every create option, validated as you type, sent without blocking.

The dialog knows nothing of the service or the API client: it is handed ``create(request,
label)``, a coroutine function, and runs it as a task it can cancel. The inputs live in the
widgets; :class:`CreateRoomForm` (plain Python) turns them into problems, the summary line and
the request.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, Qt, QTime, QTimer, QTimeZone, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QKeyEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.errors import (
    CreatedUnreadableError,
    CreateOutcomeUnknownError,
    ForbiddenError,
    InvalidApiKeyError,
    MalformedResponseError,
    NetworkError,
    RateLimitedError,
    RequestRejectedError,
    RequestValidationError,
    ServerError,
    TlsVerificationError,
    WherebyError,
    wait_in_words,
)
from roomdesk.api.requests import (
    TRANSCRIPTION_LANGUAGES,
    MeetingRequest,
    RecordingFileFormat,
    RecordingTrigger,
    RecordingType,
    RoomNamePattern,
    S3AuthenticationType,
    StorageProvider,
    StreamingTrigger,
    TranscriptionTrigger,
)
from roomdesk.domain.rooms import RoomMode
from roomdesk.domain.times import utc_now as now_utc
from roomdesk.store import StoreError
from roomdesk.timezones import system_zone_name
from roomdesk.ui.async_slot import async_slot
from roomdesk.ui.create_room_form import (
    API_KEY_VARIABLE,
    S3_SECRET_VARIABLE,
    VIEWER_MODE_NOTE,
    CreateRoomForm,
    FormDefaults,
    RecordingInputs,
    StorageInputs,
    StreamingInputs,
    TranscriptionInputs,
    issue_sentence,
    zone_is_known,
)
from roomdesk.ui.timezone_picker import TimeZonePicker, negative_color

CreateFunction = Callable[[MeetingRequest, str], Awaitable[Any]]

SUMMARY_REFRESH_MS = 30_000
CANCELLED_AFTER_SEND = (
    "Cancelled — the room may still have been created; refresh the list to check."
)
CANCELLED_BEFORE_SEND = "Cancelled before the request was sent; no room was created."

_RECORDING_TYPES = (
    ("Off", RecordingType.NONE),
    ("On the host's computer (local)", RecordingType.LOCAL),
    ("In the cloud", RecordingType.CLOUD),
)
_RECORDING_TRIGGERS = (
    ("No automatic start (none)", RecordingTrigger.NONE),
    ("Ask the host to start it (prompt)", RecordingTrigger.PROMPT),
    ("Start automatically (automatic)", RecordingTrigger.AUTOMATIC),
    ("Start when a second person joins", RecordingTrigger.AUTOMATIC_2ND_PARTICIPANT),
)
_TRANSCRIPTION_TRIGGERS = (
    ("The host starts it (manual)", TranscriptionTrigger.MANUAL),
    ("No automatic start (none)", TranscriptionTrigger.NONE),
    ("Start automatically (automatic)", TranscriptionTrigger.AUTOMATIC),
    ("Start when a second person joins", TranscriptionTrigger.AUTOMATIC_2ND_PARTICIPANT),
)
_STREAMING_TRIGGERS = (
    ("No automatic start (none)", StreamingTrigger.NONE),
    ("Ask the host to start it (prompt)", StreamingTrigger.PROMPT),
    ("Start automatically (automatic)", StreamingTrigger.AUTOMATIC),
)
_FILE_FORMATS = (
    ("Service default", None),
    ("MP4", RecordingFileFormat.MP4),
    ("MKV", RecordingFileFormat.MKV),
)


def describe_failure(error: WherebyError | StoreError) -> str:
    """A headline for the kind of failure, then what the error itself says."""
    if isinstance(error, StoreError):
        # The request may have gone out before the write failed: a refresh finds the room.
        headline = (
            "roomdesk could not write to its room list. Once that is fixed, a refresh shows "
            "whether the room was made."
        )
    elif isinstance(error, InvalidApiKeyError):
        headline = "The API key was refused."
    elif isinstance(error, ForbiddenError):
        headline = "This API key may not create rooms."
    elif isinstance(error, RateLimitedError):
        wait = f" Try again in {wait_in_words(error.retry_after)}." if error.retry_after else ""
        headline = f"Too many requests: Whereby's rate limit was reached.{wait}"
    elif isinstance(error, CreateOutcomeUnknownError):
        headline = "The answer was lost: the room may have been created. Refresh the list."
    elif isinstance(error, TlsVerificationError):
        headline = "The secure connection could not be verified."
    elif isinstance(error, NetworkError):
        headline = "Whereby could not be reached."
    elif isinstance(error, ServerError):
        headline = "Whereby had a problem of its own."
    elif isinstance(error, RequestRejectedError):
        headline = "Whereby rejected the request."
    elif isinstance(error, RequestValidationError):
        headline = "The request is not valid; nothing was sent."
    elif isinstance(error, MalformedResponseError):
        headline = "Whereby answered with something unexpected."
    else:
        headline = "The room was not created."
    return f"{headline}\n{error}"


@dataclass
class _Row:
    """One form row: its label, the input (``focus``), an optional hint and an error line."""

    layout: QFormLayout
    label: QLabel | None
    container: QWidget
    focus: QWidget
    error: QLabel
    hint: QLabel | None = None

    def set_visible(self, visible: bool) -> None:
        self.layout.setRowVisible(self.container, visible)

    def set_issue(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.focus.setAccessibleDescription(message or "")


@dataclass
class _StorageWidgets:
    provider: QComboBox
    authentication: QComboBox
    bucket: QLineEdit
    region: QLineEdit
    access_key_id: QLineEdit
    access_key_secret: QLineEdit
    role_arn: QLineEdit
    rows: dict[str, _Row]

    def read(self) -> StorageInputs:
        return StorageInputs(
            provider=StorageProvider(self.provider.currentData()),
            authentication_type=S3AuthenticationType(self.authentication.currentData()),
            bucket=self.bucket.text(),
            region=self.region.text(),
            access_key_id=self.access_key_id.text(),
            access_key_secret=self.access_key_secret.text(),
            oidc_role_arn=self.role_arn.text(),
        )

    def load(self, storage: StorageInputs) -> None:
        _set_combo(self.provider, storage.provider)
        _set_combo(self.authentication, storage.authentication_type)
        self.bucket.setText(storage.bucket)
        self.region.setText(storage.region)
        self.access_key_id.setText(storage.access_key_id)
        self.access_key_secret.setText(storage.access_key_secret)
        self.role_arn.setText(storage.oidc_role_arn)

    def show_for(self, storage: StorageInputs, *, shown: bool) -> None:
        visible = {
            "provider": shown,
            "authenticationType": shown and storage.is_s3,
            "bucket": shown and storage.is_s3,
            "region": shown and storage.uses_access_key,
            "accessKeyId": shown and storage.uses_access_key,
            "accessKeySecret": shown and storage.uses_access_key,
            "oidcRoleArn": shown and storage.uses_role,
        }
        for name, row in self.rows.items():
            row.set_visible(visible[name])

    def widgets(self) -> list[QWidget]:
        return [
            self.provider,
            self.authentication,
            self.bucket,
            self.region,
            self.access_key_id,
            self.access_key_secret,
            self.role_arn,
        ]


def _combo_value(value: Any) -> str:
    # Items hold plain strings: enum members would not survive the trip through a QVariant.
    return "" if value is None else str(value.value if hasattr(value, "value") else value)


def _set_combo(combo: QComboBox, value: Any) -> None:
    index = combo.findData(_combo_value(value))
    if index >= 0:
        combo.setCurrentIndex(index)


def _make_combo(items: Iterable[tuple[str, Any]], accessible_name: str) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, _combo_value(value))
    combo.setAccessibleName(accessible_name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    return combo


def _language_name(code: str) -> str:
    locale = QLocale(code)
    name = QLocale.languageToString(locale.language())
    if "-" in code:
        name += f" ({QLocale.territoryToString(locale.territory())})"
    return f"{name} — {code}"


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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
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
        # Issues the service reported for the last attempt, shown until the next edit.
        self._reported_issues: dict[str, str] = {}
        # Size, lock and links as the user set them, kept while viewer mode overrides them.
        self._own_choices: tuple[RoomMode, bool, bool, bool] = (RoomMode.NORMAL, False, True, False)
        self._rows: dict[str, _Row] = {}
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
        self._zone_picker.setRecentZones(
            [
                *recent_zones,
                start_zone,
                *([self._defaults.zone_name] if self._defaults.zone_name else []),
            ]
        )
        self._load_form(CreateRoomForm.default(self._clock(), start_zone, self._defaults))
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
        self._label_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---------------------------------------------------------------------------------------
    # Public

    def chosenZoneName(self) -> str:
        """The last valid zone picked, for the caller to remember."""
        return self._zone_picker.zoneName() or self._chosen_zone

    def form(self) -> CreateRoomForm:
        """The inputs as they stand."""
        return self._read_form()

    def isBusy(self) -> bool:
        return self._busy

    def reject(self) -> None:
        # Esc, Cancel and the window's close button stop a running create but keep the dialog.
        if self._task is not None and not self._task.done():
            self._task.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._tick.stop()
        super().done(result)

    # ---------------------------------------------------------------------------------------
    # Building

    def _build_ui(self) -> None:
        outer = self._outer = QVBoxLayout(self)

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
        self._build_basic_rows(form)
        self._build_advanced(inputs_layout)
        inputs_layout.addStretch(1)

        self._scroll = QScrollArea()
        self._scroll.setObjectName("inputsScrollArea")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setWidget(self._inputs)
        outer.addWidget(self._scroll, 1)

        self._request_view = QPlainTextEdit()
        self._request_view.setObjectName("requestView")
        self._request_view.setReadOnly(True)
        self._request_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._request_view.setAccessibleName("Request body (JSON)")
        self._request_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._request_view.setMaximumHeight(self.fontMetrics().lineSpacing() * 14)
        self._request_view.hide()
        outer.addWidget(self._request_view)

        status = QHBoxLayout()
        self._reason = self._small_label("reasonLabel")
        self._reason.setAccessibleName("Why the room cannot be created yet")
        status.addWidget(self._reason, 1)
        self._copy_note = self._small_label("copyNote")
        status.addWidget(self._copy_note, 1)
        self._busy_label = QLabel("Creating…")
        self._busy_label.setObjectName("busyLabel")
        self._busy_label.hide()
        status.addWidget(self._busy_label)
        self._busy_bar = QProgressBar()
        self._busy_bar.setObjectName("busyIndicator")
        self._busy_bar.setRange(0, 0)
        self._busy_bar.setTextVisible(False)
        self._busy_bar.setAccessibleName("Creating the room")
        self._busy_bar.setMaximumWidth(self.fontMetrics().averageCharWidth() * 16)
        self._busy_bar.hide()
        status.addWidget(self._busy_bar)
        outer.addLayout(status)

        self._buttons = QDialogButtonBox()
        self._show_request = QPushButton("Show &request")
        self._show_request.setObjectName("showRequestButton")
        self._show_request.setCheckable(True)
        self._show_request.setAccessibleName("Show request")
        self._copy_curl = QPushButton("Copy as c&url")
        self._copy_curl.setObjectName("copyCurlButton")
        self._copy_curl.setAccessibleName("Copy as curl")
        self._copy_curl.setToolTip(
            f"Copies a curl command; the API key is read from ${API_KEY_VARIABLE} "
            f"(and an S3 secret from ${S3_SECRET_VARIABLE}) in your shell"
        )
        self._create_button = QPushButton("&Create")
        self._create_button.setObjectName("createButton")
        self._create_button.setAccessibleName("Create room")
        self._cancel_button = QPushButton("Cancel")
        self._cancel_button.setObjectName("cancelButton")
        self._cancel_button.setAccessibleName("Cancel")
        self._buttons.addButton(self._cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self._buttons.addButton(self._create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        bottom = QHBoxLayout()
        bottom.addWidget(self._show_request)
        bottom.addWidget(self._copy_curl)
        bottom.addStretch(1)
        bottom.addWidget(self._buttons)
        outer.addLayout(bottom)
        # Only once the button is inside the dialog does it become the dialog's default.
        self._create_button.setDefault(True)

        self._show_request.toggled.connect(self._on_show_request)
        self._copy_curl.clicked.connect(self._on_copy_curl)
        self._create_button.clicked.connect(self._submit)
        self._cancel_button.clicked.connect(self.reject)

    def _small_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        font = label.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.9)
            label.setFont(font)
        return label

    def _add_row(
        self,
        layout: QFormLayout,
        text: str,
        field: QWidget,
        *,
        key: str | None = None,
        extras: Iterable[QWidget] = (),
        hint: bool = False,
    ) -> _Row:
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(field)
        for extra in extras:
            box.addWidget(extra)
        hint_label = None
        if hint:
            hint_label = self._small_label(f"{field.objectName()}Hint")
            hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(hint_label)
        error = self._small_label(f"{field.objectName()}Error")
        error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        error.setProperty("role", "fieldError")
        error.hide()
        box.addWidget(error)
        container.setFocusProxy(field)
        label = QLabel(text) if text else None
        if label is not None:
            label.setBuddy(field)
            layout.addRow(label, container)
        else:
            layout.addRow(container)
        row = _Row(layout, label, container, field, error, hint_label)
        if key:
            self._rows[key] = row
        return row

    def _build_basic_rows(self, form: QFormLayout) -> None:
        self._label_edit = QLineEdit()
        self._label_edit.setObjectName("labelEdit")
        self._label_edit.setAccessibleName("Label")
        self._label_edit.setPlaceholderText("Optional; kept on this computer only")
        self._add_row(form, "&Label:", self._label_edit, key="label")

        self._end_edit = QDateTimeEdit()
        self._end_edit.setObjectName("endEdit")
        self._end_edit.setAccessibleName("Ends")
        self._end_edit.setCalendarPopup(True)
        # A zone without gaps: any wall time can be typed; zoneinfo gives it its meaning.
        self._end_edit.setTimeZone(QTimeZone.utc())
        self._end_edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self._end_edit.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        quick = QWidget()
        quick_layout = QHBoxLayout(quick)
        quick_layout.setContentsMargins(0, 0, 0, 0)
        self._quick_buttons: list[QPushButton] = []
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
            self._quick_buttons.append(button)
        quick_layout.addStretch(1)
        self._quick_buttons[0].clicked.connect(lambda: self._shift_end(30))
        self._quick_buttons[1].clicked.connect(lambda: self._shift_end(60))
        self._quick_buttons[2].clicked.connect(lambda: self._shift_end(120))
        self._quick_buttons[3].clicked.connect(self._end_of_day)

        self._fold_row = QWidget()
        self._fold_row.setObjectName("foldRow")
        fold_layout = QHBoxLayout(self._fold_row)
        fold_layout.setContentsMargins(0, 0, 0, 0)
        fold_layout.addWidget(QLabel("That time occurs twice; use the"))
        self._fold_group = QButtonGroup(self)
        self._fold_buttons: list[QRadioButton] = []
        for fold in (0, 1):
            fold_button = QRadioButton()
            fold_button.setObjectName(f"fold{fold}Button")
            fold_button.setAccessibleName("First occurrence" if fold == 0 else "Second occurrence")
            self._fold_group.addButton(fold_button, fold)
            fold_layout.addWidget(fold_button)
            self._fold_buttons.append(fold_button)
        fold_layout.addStretch(1)
        self._fold_row.hide()
        self._add_row(form, "&Ends:", self._end_edit, key="endDate", extras=(quick, self._fold_row))

        self._zone_picker = TimeZonePicker(reference_time=self._clock())
        self._zone_picker.setObjectName("zonePicker")
        zone_row = self._add_row(form, "Time &zone:", self._zone_picker, key="timeZone", hint=True)
        assert zone_row.hint is not None
        self._summary = zone_row.hint
        self._summary.setObjectName("summaryLabel")
        self._summary.setAccessibleName("End summary")
        self._zone_picker.zoneChanged.connect(self._remember_zone)

        links = QWidget()
        links_layout = QHBoxLayout(links)
        links_layout.setContentsMargins(0, 0, 0, 0)
        self._host_link = QCheckBox("&Host link")
        self._host_link.setObjectName("hostLinkCheck")
        self._host_link.setAccessibleName("Host link")
        self._host_link.setToolTip("Also create a link that joins as host")
        self._viewer_link = QCheckBox("V&iewer link")
        self._viewer_link.setObjectName("viewerLinkCheck")
        self._viewer_link.setAccessibleName("Viewer link")
        self._viewer_link.setToolTip("Also create a link that joins as a viewer")
        links_layout.addWidget(self._host_link)
        links_layout.addWidget(self._viewer_link)
        links_layout.addStretch(1)
        links_row = self._add_row(form, "Links:", links)
        links_row.container.setFocusProxy(self._host_link)
        assert links_row.label is not None
        links_row.label.setBuddy(self._host_link)

        self._room_size = _make_combo(
            (
                ("Normal (up to 4 people, peer-to-peer)", RoomMode.NORMAL),
                ("Group (up to 200 people)", RoomMode.GROUP),
            ),
            "Room size",
        )
        self._room_size.setObjectName("roomSizeCombo")
        self._add_row(form, "Room &size:", self._room_size, key="roomMode")

        self._prefix_edit = QLineEdit()
        self._prefix_edit.setObjectName("prefixEdit")
        self._prefix_edit.setAccessibleName("Name prefix")
        self._prefix_edit.setPlaceholderText("Optional, e.g. teamsync")
        prefix_row = self._add_row(
            form, "Name &prefix:", self._prefix_edit, key="roomNamePrefix", hint=True
        )
        assert prefix_row.hint is not None
        self._prefix_hint = prefix_row.hint
        self._prefix_hint.setObjectName("prefixPreview")

        self._name_style = _make_combo(
            (
                ("Long unique code (uuid)", RoomNamePattern.UUID),
                ("Short code (human-short)", RoomNamePattern.HUMAN_SHORT),
            ),
            "Name style",
        )
        self._name_style.setObjectName("nameStyleCombo")
        self._add_row(form, "Name st&yle:", self._name_style, key="roomNamePattern")

        self._locked = QCheckBox("Start l&ocked")
        self._locked.setObjectName("lockedCheck")
        self._locked.setAccessibleName("Start locked")
        self._locked.setToolTip("Guests knock and wait until the host lets them in")
        self._viewer_mode = QCheckBox("&Viewer mode")
        self._viewer_mode.setObjectName("viewerModeCheck")
        self._viewer_mode.setAccessibleName("Viewer mode")
        self._viewer_note = self._small_label("viewerModeNote")
        self._viewer_note.setText(VIEWER_MODE_NOTE)
        self._viewer_note.hide()
        options_row = self._add_row(form, "Options:", self._locked, extras=(self._viewer_mode,))
        options_box = options_row.container.layout()
        assert isinstance(options_box, QVBoxLayout)  # as _add_row makes it
        options_box.insertWidget(2, self._viewer_note)
        assert options_row.label is not None
        options_row.label.setBuddy(self._locked)

    def _build_advanced(self, parent_layout: QVBoxLayout) -> None:
        self._advanced_toggle = QToolButton()
        self._advanced_toggle.setObjectName("advancedToggle")
        self._advanced_toggle.setCheckable(True)
        self._advanced_toggle.setAutoRaise(True)
        self._advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self._advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._advanced_toggle.setAccessibleName("Advanced options")
        parent_layout.addWidget(self._advanced_toggle)

        self._advanced_body = QWidget()
        self._advanced_body.setObjectName("advancedBody")
        body = QVBoxLayout(self._advanced_body)
        body.setContentsMargins(0, 0, 0, 0)
        self._advanced_body.hide()
        parent_layout.addWidget(self._advanced_body)
        self._advanced_toggle.toggled.connect(self._on_advanced_toggled)

        # Recording.
        box = QGroupBox("Recording")
        layout = QFormLayout(box)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._recording_type = _make_combo(_RECORDING_TYPES, "Recording")
        self._recording_type.setObjectName("recordingTypeCombo")
        self._add_row(layout, "Recordin&g:", self._recording_type, key="recording.type")
        self._recording_storage = self._add_storage_rows(layout, "recording")
        self._file_format = _make_combo(_FILE_FORMATS, "Recording file format")
        self._file_format.setObjectName("recordingFileFormatCombo")
        self._add_row(
            layout, "File format:", self._file_format, key="recording.destination.fileFormat"
        )
        self._recording_trigger = _make_combo(_RECORDING_TRIGGERS, "Recording start")
        self._recording_trigger.setObjectName("recordingTriggerCombo")
        self._add_row(layout, "Starts:", self._recording_trigger, key="recording.startTrigger")
        body.addWidget(box)

        # Live transcription.
        box = QGroupBox("Live transcription")
        layout = QFormLayout(box)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._transcription_on = QCheckBox("Live &transcription")
        self._transcription_on.setObjectName("transcriptionCheck")
        self._transcription_on.setAccessibleName("Live transcription")
        layout.addRow(self._transcription_on)
        self._transcription_storage = self._add_storage_rows(layout, "liveTranscription")
        self._transcription_trigger = _make_combo(_TRANSCRIPTION_TRIGGERS, "Transcription start")
        self._transcription_trigger.setObjectName("transcriptionTriggerCombo")
        self._add_row(
            layout, "Starts:", self._transcription_trigger, key="liveTranscription.startTrigger"
        )
        self._language = _make_combo(
            [("Service default", None), *((_language_name(c), c) for c in TRANSCRIPTION_LANGUAGES)],
            "Transcription language",
        )
        self._language.setObjectName("languageCombo")
        self._add_row(layout, "Language:", self._language, key="liveTranscription.language")
        self._live_captions = QCheckBox("Show live captions")
        self._live_captions.setObjectName("liveCaptionsCheck")
        self._live_captions.setAccessibleName("Live captions")
        self._captions_row = self._add_row(layout, "", self._live_captions)
        body.addWidget(box)

        # Streaming.
        box = QGroupBox("Streaming")
        layout = QFormLayout(box)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._streaming_on = QCheckBox("Strea&m to an RTMP server")
        self._streaming_on.setObjectName("streamingCheck")
        self._streaming_on.setAccessibleName("Streaming")
        layout.addRow(self._streaming_on)
        self._stream_url = QLineEdit()
        self._stream_url.setObjectName("streamUrlEdit")
        self._stream_url.setAccessibleName("Stream address")
        self._stream_url.setPlaceholderText("rtmp://a.rtmp.youtube.com/live2/KEY")
        self._add_row(layout, "Address:", self._stream_url, key="streaming.destination.url")
        self._streaming_trigger = _make_combo(_STREAMING_TRIGGERS, "Streaming start")
        self._streaming_trigger.setObjectName("streamingTriggerCombo")
        self._add_row(layout, "Starts:", self._streaming_trigger, key="streaming.startTrigger")
        body.addWidget(box)

    def _add_storage_rows(self, layout: QFormLayout, section: str) -> _StorageWidgets:
        what = "Recording" if section == "recording" else "Transcript"
        provider = _make_combo(
            (("Whereby", StorageProvider.WHEREBY), ("Amazon S3", StorageProvider.S3)),
            f"{what} storage",
        )
        provider.setObjectName(f"{section}ProviderCombo")
        authentication = _make_combo(
            (
                ("Access key", S3AuthenticationType.ACCESS_KEY),
                ("Role-based (OIDC)", S3AuthenticationType.ROLE_BASED),
            ),
            f"{what} S3 access type",
        )
        authentication.setObjectName(f"{section}AuthCombo")
        edits: dict[str, QLineEdit] = {}
        for name, accessible, placeholder in (
            ("bucket", "bucket", "my-bucket"),
            ("region", "region", "eu-west-1"),
            ("accessKeyId", "access key ID", "AKIA…"),
            ("accessKeySecret", "secret access key", ""),
            ("oidcRoleArn", "role ARN", "arn:aws:iam::123456789012:role/whereby"),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"{section}_{name}Edit")
            edit.setAccessibleName(f"{what} S3 {accessible}")
            edit.setPlaceholderText(placeholder)
            edits[name] = edit
        edits["accessKeySecret"].setEchoMode(QLineEdit.EchoMode.Password)
        prefix = f"{section}.destination"
        rows = {
            "provider": self._add_row(layout, "Storage:", provider, key=f"{prefix}.provider"),
            "authenticationType": self._add_row(
                layout, "S3 access:", authentication, key=f"{prefix}.authenticationType"
            ),
        }
        for name, text in (
            ("bucket", "Bucket:"),
            ("region", "Region:"),
            ("accessKeyId", "Access key ID:"),
            ("accessKeySecret", "Secret access key:"),
            ("oidcRoleArn", "Role ARN:"),
        ):
            rows[name] = self._add_row(layout, text, edits[name], key=f"{prefix}.{name}")
        return _StorageWidgets(
            provider=provider,
            authentication=authentication,
            bucket=edits["bucket"],
            region=edits["region"],
            access_key_id=edits["accessKeyId"],
            access_key_secret=edits["accessKeySecret"],
            role_arn=edits["oidcRoleArn"],
            rows=rows,
        )

    def _connect_inputs(self) -> None:
        for edit in self.findChildren(QLineEdit):
            if edit is not self._zone_picker.lineEdit():
                edit.textChanged.connect(self._on_input_changed)
        for combo in self.findChildren(QComboBox):
            if combo is not self._zone_picker:
                combo.currentIndexChanged.connect(self._on_input_changed)
        for check in self.findChildren(QCheckBox):
            if check is not self._viewer_mode:
                check.toggled.connect(self._on_input_changed)
        self._viewer_mode.toggled.connect(self._on_viewer_mode_toggled)
        self._end_edit.dateTimeChanged.connect(self._on_input_changed)
        self._zone_picker.editTextChanged.connect(self._on_input_changed)
        self._fold_group.idToggled.connect(self._on_input_changed)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self._label_edit,
            self._end_edit,
            *self._quick_buttons,
            *self._fold_buttons,
            self._zone_picker,
            self._host_link,
            self._viewer_link,
            self._room_size,
            self._prefix_edit,
            self._name_style,
            self._locked,
            self._viewer_mode,
            self._advanced_toggle,
            self._recording_type,
            *self._recording_storage.widgets(),
            self._file_format,
            self._recording_trigger,
            self._transcription_on,
            *self._transcription_storage.widgets(),
            self._transcription_trigger,
            self._language,
            self._live_captions,
            self._streaming_on,
            self._stream_url,
            self._streaming_trigger,
            self._request_view,
            self._show_request,
            self._copy_curl,
            self._cancel_button,
            self._create_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # ---------------------------------------------------------------------------------------
    # Reading and writing the form

    def _end_wall(self) -> datetime:
        # Date and time read separately: no QDateTime zone conversion is involved.
        day: QDate = self._end_edit.date()
        clock: QTime = self._end_edit.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())

    def _write_end(self, form: CreateRoomForm) -> None:
        wall = form.end_wall
        self._end_edit.setDateTime(
            QDateTime(
                QDate(wall.year, wall.month, wall.day),
                QTime(wall.hour, wall.minute),
                QTimeZone.utc(),
            )
        )
        self._fold_group.setExclusive(False)
        for fold, button in enumerate(self._fold_buttons):
            button.setChecked(form.fold == fold)
        self._fold_group.setExclusive(True)

    def _read_form(self) -> CreateRoomForm:
        if self._viewer_mode.isChecked():
            room_mode, locked, host_link, viewer_link = self._own_choices
        else:
            room_mode = RoomMode(self._room_size.currentData())
            locked = self._locked.isChecked()
            host_link = self._host_link.isChecked()
            viewer_link = self._viewer_link.isChecked()
        fold = self._fold_group.checkedId()
        language = self._language.currentData()
        file_format = self._file_format.currentData()
        return CreateRoomForm(
            end_wall=self._end_wall(),
            zone_name=self._zone_picker.zoneName() or self._zone_picker.currentText().strip(),
            fold=fold if fold in (0, 1) else None,
            label=self._label_edit.text(),
            host_link=host_link,
            viewer_link=viewer_link,
            room_mode=room_mode,
            prefix=self._prefix_edit.text(),
            pattern=RoomNamePattern(self._name_style.currentData()),
            start_locked=locked,
            viewer_mode=self._viewer_mode.isChecked(),
            recording=RecordingInputs(
                type=RecordingType(self._recording_type.currentData()),
                storage=self._recording_storage.read(),
                file_format=RecordingFileFormat(file_format) if file_format else None,
                start_trigger=RecordingTrigger(self._recording_trigger.currentData()),
            ),
            transcription=TranscriptionInputs(
                enabled=self._transcription_on.isChecked(),
                storage=self._transcription_storage.read(),
                start_trigger=TranscriptionTrigger(self._transcription_trigger.currentData()),
                language=language or None,
                live_captions=self._live_captions.isChecked(),
            ),
            streaming=StreamingInputs(
                enabled=self._streaming_on.isChecked(),
                url=self._stream_url.text(),
                start_trigger=StreamingTrigger(self._streaming_trigger.currentData()),
            ),
        )

    def _load_form(self, form: CreateRoomForm) -> None:
        self._loading = True
        try:
            self._label_edit.setText(form.label)
            self._write_end(form)
            self._zone_picker.setZoneName(form.zone_name)
            self._own_choices = (
                form.room_mode,
                form.start_locked,
                form.host_link,
                form.viewer_link,
            )
            self._show_own_choices()
            self._viewer_mode.setChecked(form.viewer_mode)
            self._prefix_edit.setText(form.prefix)
            _set_combo(self._name_style, form.pattern)
            _set_combo(self._recording_type, form.recording.type)
            self._recording_storage.load(form.recording.storage)
            _set_combo(self._file_format, form.recording.file_format)
            _set_combo(self._recording_trigger, form.recording.start_trigger)
            self._transcription_on.setChecked(form.transcription.enabled)
            self._transcription_storage.load(form.transcription.storage)
            _set_combo(self._transcription_trigger, form.transcription.start_trigger)
            _set_combo(self._language, form.transcription.language)
            self._live_captions.setChecked(form.transcription.live_captions)
            self._streaming_on.setChecked(form.streaming.enabled)
            self._stream_url.setText(form.streaming.url)
            _set_combo(self._streaming_trigger, form.streaming.start_trigger)
        finally:
            self._loading = False

    def _show_own_choices(self) -> None:
        room_mode, locked, host_link, viewer_link = self._own_choices
        _set_combo(self._room_size, room_mode)
        self._locked.setChecked(locked)
        self._host_link.setChecked(host_link)
        self._viewer_link.setChecked(viewer_link)

    # ---------------------------------------------------------------------------------------
    # Reacting to input

    def _on_input_changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._reported_issues.clear()
        self._copy_note.clear()
        self._refresh()

    def _on_viewer_mode_toggled(self, on: bool) -> None:
        if self._loading:
            return
        self._loading = True
        try:
            if on:
                self._own_choices = (
                    RoomMode(self._room_size.currentData()),
                    self._locked.isChecked(),
                    self._host_link.isChecked(),
                    self._viewer_link.isChecked(),
                )
            else:
                self._show_own_choices()
        finally:
            self._loading = False
        self._on_input_changed()

    def _remember_zone(self, zone: str) -> None:
        self._chosen_zone = zone

    def _shift_end(self, minutes: int) -> None:
        self._apply_end(self._read_form().plus(minutes))

    def _end_of_day(self) -> None:
        self._apply_end(self._read_form().end_of_day(self._clock()))

    def _apply_end(self, form: CreateRoomForm) -> None:
        self._loading = True
        try:
            self._write_end(form)
        finally:
            self._loading = False
        self._on_input_changed()

    def _on_advanced_toggled(self, on: bool) -> None:
        self._advanced_body.setVisible(on)
        self._advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow
        )
        self._refresh()
        self._fit_height()

    def _on_show_request(self, on: bool) -> None:
        self._request_view.setVisible(on)
        self._show_request.setText("Hide &request" if on else "Show &request")
        self._refresh()
        self._fit_height()

    def _on_copy_curl(self) -> None:
        try:
            command = self._read_form().curl(self._clock(), self._base_url)
        except RequestValidationError as exc:
            self._copy_note.setText(f"Nothing copied: {exc.issues[0].message}")
            return
        QGuiApplication.clipboard().setText(command)
        self._copy_note.setText(
            f"Copied. Set ${API_KEY_VARIABLE}"
            + (f" and ${S3_SECRET_VARIABLE}" if f"${S3_SECRET_VARIABLE}" in command else "")
            + " in your shell before running it."
        )

    # ---------------------------------------------------------------------------------------
    # Showing the state

    def _refresh(self) -> None:
        if self._loading:
            return
        now = self._clock()
        form = self._read_form()
        issues = form.issues(now)

        self._summary.setText(form.summary(now))
        choices = form.fold_choices()
        for fold, text in choices:
            self._fold_buttons[fold].setText(text)
        self._fold_row.setVisible(bool(choices))

        if form.prefix.strip():
            self._prefix_hint.setText(f"Will be: {form.normalized_prefix}\n{form.prefix_preview}")
        else:
            self._prefix_hint.setText(f"Address: {form.prefix_preview}")

        self._show_viewer_mode(form)
        self._show_relevant_advanced_rows(form)

        shown = {**self._reported_issues, **issues}
        for key, row in self._rows.items():
            row.set_issue(shown.get(key))
        advanced = [key for key in shown if self._is_advanced_key(key)]
        title = "&Advanced: recording, transcription, streaming"
        if advanced and not self._advanced_toggle.isChecked():
            title += f" — {len(advanced)} problem{'s' if len(advanced) > 1 else ''}"
        self._advanced_toggle.setText(title)

        reason = form.blocking_reason(now)
        self._reason.setText(reason)
        self._reason.setVisible(bool(reason) and not self._busy)
        self._create_button.setEnabled(not self._busy and not issues)
        self._create_button.setToolTip(reason)

        if self._request_view.isVisible():
            try:
                text = form.request_json(now)
            except RequestValidationError as exc:
                text = f"(The request can be shown once the end is valid: {exc.issues[0].message})"
            if text != self._request_view.toPlainText():
                self._request_view.setPlainText(text)

    def _show_viewer_mode(self, form: CreateRoomForm) -> None:
        forced = form.viewer_mode
        if forced:
            self._loading = True
            try:
                _set_combo(self._room_size, form.effective_room_mode)
                self._locked.setChecked(form.effective_locked)
                self._host_link.setChecked(form.effective_host_link)
                self._viewer_link.setChecked(form.effective_viewer_link)
            finally:
                self._loading = False
        for widget in (self._room_size, self._locked, self._host_link, self._viewer_link):
            widget.setEnabled(not forced)
        self._viewer_note.setVisible(forced)

    def _show_relevant_advanced_rows(self, form: CreateRoomForm) -> None:
        recording = form.recording
        self._recording_storage.show_for(recording.storage, shown=recording.is_cloud)
        self._rows["recording.destination.fileFormat"].set_visible(recording.is_cloud)
        self._rows["recording.startTrigger"].set_visible(recording.enabled)
        transcription = form.transcription
        self._transcription_storage.show_for(transcription.storage, shown=transcription.enabled)
        for key in ("liveTranscription.startTrigger", "liveTranscription.language"):
            self._rows[key].set_visible(transcription.enabled)
        self._captions_row.set_visible(transcription.enabled)
        for key in ("streaming.destination.url", "streaming.startTrigger"):
            self._rows[key].set_visible(form.streaming.enabled)

    @staticmethod
    def _is_advanced_key(key: str) -> bool:
        return key.startswith(("recording.", "liveTranscription.", "streaming."))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            focused = QApplication.focusWidget()
            self._focus_before_busy = focused if focused and self.isAncestorOf(focused) else None
        # Disabling the inputs clears the focus; it is given back when the create ends.
        self._inputs.setEnabled(not busy)
        self._show_request.setEnabled(not busy)
        self._copy_curl.setEnabled(not busy)
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
        labels = [row.error for row in self._rows.values()]
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
        task = self._run_create(request, form.label.strip())
        task.add_done_callback(self._create_finished)
        self._task = task

    @async_slot
    async def _run_create(self, request: MeetingRequest, label: str) -> None:
        # From here on the service may send the request at any moment.
        self._request_may_be_sent = True
        try:
            result = await self._create(request, label)
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


__all__ = ["CreateRoomDialog", "FormDefaults", "describe_failure"]
