"""The create dialog's folded-away options: recording, live transcription and streaming, each
recording or transcript with its storage destination (Whereby's or an Amazon S3 bucket).

The section builds its widgets into the dialog's layout and registers its rows, named after
the API's fields, in the dialog's :class:`FormRows`; the dialog reads it into the plain input
values of :mod:`roomdesk.ui.create_room_form` and shows only the rows the choices make relevant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.requests import (
    TRANSCRIPTION_LANGUAGES,
    RecordingFileFormat,
    RecordingTrigger,
    RecordingType,
    S3AuthenticationType,
    StorageProvider,
    StreamingTrigger,
    TranscriptionTrigger,
)
from roomdesk.ui.create_room_form import (
    CreateRoomForm,
    RecordingInputs,
    StorageInputs,
    StreamingInputs,
    TranscriptionInputs,
)
from roomdesk.ui.form_rows import FormRow, FormRows, make_combo, set_combo

TITLE = "&Advanced: recording, transcription, streaming"

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


def is_advanced_key(key: str) -> bool:
    """Whether an API field name belongs to this section."""
    return key.startswith(("recording.", "liveTranscription.", "streaming."))


def _language_name(code: str) -> str:
    locale = QLocale(code)
    name = QLocale.languageToString(locale.language())
    if "-" in code:
        name += f" ({QLocale.territoryToString(locale.territory())})"
    return f"{name} — {code}"


@dataclass
class StorageWidgets:
    """Where a recording or a transcript is kept: the provider, then the S3 bucket and access."""

    provider: QComboBox
    authentication: QComboBox
    bucket: QLineEdit
    region: QLineEdit
    access_key_id: QLineEdit
    access_key_secret: QLineEdit
    role_arn: QLineEdit
    rows: dict[str, FormRow]

    @classmethod
    def build(cls, rows: FormRows, layout: QFormLayout, section: str) -> StorageWidgets:
        what = "Recording" if section == "recording" else "Transcript"
        provider = make_combo(
            (("Whereby", StorageProvider.WHEREBY), ("Amazon S3", StorageProvider.S3)),
            f"{what} storage",
        )
        provider.setObjectName(f"{section}ProviderCombo")
        authentication = make_combo(
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
        storage_rows = {
            "provider": rows.add(layout, "Storage:", provider, key=f"{prefix}.provider"),
            "authenticationType": rows.add(
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
            storage_rows[name] = rows.add(layout, text, edits[name], key=f"{prefix}.{name}")
        return cls(
            provider=provider,
            authentication=authentication,
            bucket=edits["bucket"],
            region=edits["region"],
            access_key_id=edits["accessKeyId"],
            access_key_secret=edits["accessKeySecret"],
            role_arn=edits["oidcRoleArn"],
            rows=storage_rows,
        )

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
        set_combo(self.provider, storage.provider)
        set_combo(self.authentication, storage.authentication_type)
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


def _group_form(title: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title)
    layout = QFormLayout(box)
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return box, layout


class AdvancedOptions:
    """A toggle (``toggle``) that unfolds the three groups below it (``body``)."""

    def __init__(self, parent_layout: QVBoxLayout, rows: FormRows) -> None:
        self._rows = rows
        self.toggle = QToolButton()
        self.toggle.setObjectName("advancedToggle")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAccessibleName("Advanced options")
        parent_layout.addWidget(self.toggle)

        self.body = QWidget()
        self.body.setObjectName("advancedBody")
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.body.hide()
        parent_layout.addWidget(self.body)
        # Connected first, so the body is shown before the dialog measures its new height.
        self.toggle.toggled.connect(self._on_toggled)

        box, layout = _group_form("Recording")
        self.recording_type = make_combo(_RECORDING_TYPES, "Recording")
        self.recording_type.setObjectName("recordingTypeCombo")
        rows.add(layout, "Recordin&g:", self.recording_type, key="recording.type")
        self.recording_storage = StorageWidgets.build(rows, layout, "recording")
        self.file_format = make_combo(_FILE_FORMATS, "Recording file format")
        self.file_format.setObjectName("recordingFileFormatCombo")
        rows.add(layout, "File format:", self.file_format, key="recording.destination.fileFormat")
        self.recording_trigger = make_combo(_RECORDING_TRIGGERS, "Recording start")
        self.recording_trigger.setObjectName("recordingTriggerCombo")
        rows.add(layout, "Starts:", self.recording_trigger, key="recording.startTrigger")
        body.addWidget(box)

        box, layout = _group_form("Live transcription")
        self.transcription_on = QCheckBox("Live &transcription")
        self.transcription_on.setObjectName("transcriptionCheck")
        self.transcription_on.setAccessibleName("Live transcription")
        layout.addRow(self.transcription_on)
        self.transcription_storage = StorageWidgets.build(rows, layout, "liveTranscription")
        self.transcription_trigger = make_combo(_TRANSCRIPTION_TRIGGERS, "Transcription start")
        self.transcription_trigger.setObjectName("transcriptionTriggerCombo")
        rows.add(
            layout, "Starts:", self.transcription_trigger, key="liveTranscription.startTrigger"
        )
        self.language = make_combo(
            [("Service default", None), *((_language_name(c), c) for c in TRANSCRIPTION_LANGUAGES)],
            "Transcription language",
        )
        self.language.setObjectName("languageCombo")
        rows.add(layout, "Language:", self.language, key="liveTranscription.language")
        self.live_captions = QCheckBox("Show live captions")
        self.live_captions.setObjectName("liveCaptionsCheck")
        self.live_captions.setAccessibleName("Live captions")
        self._captions_row = rows.add(layout, "", self.live_captions)
        body.addWidget(box)

        box, layout = _group_form("Streaming")
        self.streaming_on = QCheckBox("Strea&m to an RTMP server")
        self.streaming_on.setObjectName("streamingCheck")
        self.streaming_on.setAccessibleName("Streaming")
        layout.addRow(self.streaming_on)
        self.stream_url = QLineEdit()
        self.stream_url.setObjectName("streamUrlEdit")
        self.stream_url.setAccessibleName("Stream address")
        self.stream_url.setPlaceholderText("rtmp://a.rtmp.youtube.com/live2/KEY")
        rows.add(layout, "Address:", self.stream_url, key="streaming.destination.url")
        self.streaming_trigger = make_combo(_STREAMING_TRIGGERS, "Streaming start")
        self.streaming_trigger.setObjectName("streamingTriggerCombo")
        rows.add(layout, "Starts:", self.streaming_trigger, key="streaming.startTrigger")
        body.addWidget(box)

    def _on_toggled(self, on: bool) -> None:
        self.body.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def read_recording(self) -> RecordingInputs:
        file_format = self.file_format.currentData()
        return RecordingInputs(
            type=RecordingType(self.recording_type.currentData()),
            storage=self.recording_storage.read(),
            file_format=RecordingFileFormat(file_format) if file_format else None,
            start_trigger=RecordingTrigger(self.recording_trigger.currentData()),
        )

    def read_transcription(self) -> TranscriptionInputs:
        language = self.language.currentData()
        return TranscriptionInputs(
            enabled=self.transcription_on.isChecked(),
            storage=self.transcription_storage.read(),
            start_trigger=TranscriptionTrigger(self.transcription_trigger.currentData()),
            language=language or None,
            live_captions=self.live_captions.isChecked(),
        )

    def read_streaming(self) -> StreamingInputs:
        return StreamingInputs(
            enabled=self.streaming_on.isChecked(),
            url=self.stream_url.text(),
            start_trigger=StreamingTrigger(self.streaming_trigger.currentData()),
        )

    def load(self, form: CreateRoomForm) -> None:
        set_combo(self.recording_type, form.recording.type)
        self.recording_storage.load(form.recording.storage)
        set_combo(self.file_format, form.recording.file_format)
        set_combo(self.recording_trigger, form.recording.start_trigger)
        self.transcription_on.setChecked(form.transcription.enabled)
        self.transcription_storage.load(form.transcription.storage)
        set_combo(self.transcription_trigger, form.transcription.start_trigger)
        set_combo(self.language, form.transcription.language)
        self.live_captions.setChecked(form.transcription.live_captions)
        self.streaming_on.setChecked(form.streaming.enabled)
        self.stream_url.setText(form.streaming.url)
        set_combo(self.streaming_trigger, form.streaming.start_trigger)

    def show_relevant_rows(self, form: CreateRoomForm) -> None:
        """Only the rows that the choices above them make meaningful."""
        by_key = self._rows.by_key
        recording = form.recording
        self.recording_storage.show_for(recording.storage, shown=recording.is_cloud)
        by_key["recording.destination.fileFormat"].set_visible(recording.is_cloud)
        by_key["recording.startTrigger"].set_visible(recording.enabled)
        transcription = form.transcription
        self.transcription_storage.show_for(transcription.storage, shown=transcription.enabled)
        for key in ("liveTranscription.startTrigger", "liveTranscription.language"):
            by_key[key].set_visible(transcription.enabled)
        self._captions_row.set_visible(transcription.enabled)
        for key in ("streaming.destination.url", "streaming.startTrigger"):
            by_key[key].set_visible(form.streaming.enabled)

    def show_problems(self, keys: Iterable[str]) -> None:
        """Count the section's problems in the toggle's text while it is folded away."""
        count = sum(1 for key in keys if is_advanced_key(key))
        title = TITLE
        if count and not self.toggle.isChecked():
            title += f" — {count} problem{'s' if count > 1 else ''}"
        self.toggle.setText(title)

    def tab_chain(self) -> list[QWidget]:
        return [
            self.toggle,
            self.recording_type,
            *self.recording_storage.widgets(),
            self.file_format,
            self.recording_trigger,
            self.transcription_on,
            *self.transcription_storage.widgets(),
            self.transcription_trigger,
            self.language,
            self.live_captions,
            self.streaming_on,
            self.stream_url,
            self.streaming_trigger,
        ]
