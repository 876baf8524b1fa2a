"""The create-room dialog, driven like a user would, with a fake create coroutine."""

from __future__ import annotations

import asyncio
import json
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QToolButton,
    QWidget,
)

from roomdesk.api.errors import (
    InvalidApiKeyError,
    NetworkError,
    RateLimitedError,
    RequestRejectedError,
    RequestValidationError,
    ServerError,
)
from roomdesk.api.requests import RecordingType, S3AuthenticationType, StorageProvider
from roomdesk.domain.errors import FieldIssue
from roomdesk.domain.rooms import RoomMode
from roomdesk.ui.create_room_dialog import (
    CANCELLED_AFTER_SEND,
    CANCELLED_BEFORE_SEND,
    CreateRoomDialog,
)
from roomdesk.ui.create_room_form import FormDefaults
from roomdesk.ui.timezone_picker import TimeZonePicker

# The offscreen platform cannot do these window-system things and says so as a Qt warning.
pytestmark = [
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
    )
]

# 12:00:30 in Oslo.
NOW = datetime(2024, 5, 14, 10, 0, 30, tzinfo=UTC)
BASE_URL = "https://api.example.test/v1"
SHOTS = Path("/tmp/roomdesk-shots")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeCreate:
    """Records each call; can wait on ``gate`` and then raise ``error``."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, str]] = []
        self.plans: list[tuple[datetime | None, str | None]] = []  # start and zone, per call
        self.templates: list[str | None] = []  # the invitation template kept, per call
        self.gate: asyncio.Event | None = None
        self.error: BaseException | None = None
        self.result = {"meetingId": "1234", "roomUrl": "https://x.whereby.com/r"}
        self.was_cancelled = False
        self.returned = False

    async def __call__(self, request, label, *, planned_start, time_zone, invitation_template):
        self.calls.append((request, label))
        self.plans.append((planned_start, time_zone))
        self.templates.append(invitation_template)
        try:
            if self.gate is not None:
                await self.gate.wait()
        except asyncio.CancelledError:
            self.was_cancelled = True
            raise
        self.returned = True
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def fake() -> FakeCreate:
    return FakeCreate()


@pytest.fixture
def make_dialog(qtbot, qapp, aloop, fake, clock):
    # As in the app: closing the dialog, the only window here, must not quit the event loop.
    quits = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)

    def make(**options) -> CreateRoomDialog:
        options.setdefault("zone_name", "Europe/Oslo")
        dialog = CreateRoomDialog(fake, base_url=BASE_URL, clock=clock, **options)
        if dialog.parent() is None:
            qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    qapp.setQuitOnLastWindowClosed(quits)


@pytest.fixture
def dialog(make_dialog) -> CreateRoomDialog:
    return make_dialog()


def child(dialog: QWidget, kind: type, name: str):
    found = dialog.findChild(kind, name)
    assert found is not None, name
    return found


def create_button(dialog) -> QPushButton:
    return child(dialog, QPushButton, "createButton")


def error_text(dialog, field_name: str) -> str | None:
    """The inline message under a field, or None when none is shown."""
    label = child(dialog, QLabel, f"{field_name}Error")
    return label.text() if label.isVisibleTo(dialog) else None


def press_enter(aloop, qtbot, dialog) -> None:
    focused = dialog.focusWidget() or dialog
    aloop.act(lambda: qtbot.keyClick(focused, Qt.Key.Key_Return))


def set_end(dialog, wall: datetime) -> None:
    edit = child(dialog, QDateTimeEdit, "endEdit")
    edit.setDate(wall.date())
    edit.setTime(wall.time())


# -- the quick path ----------------------------------------------------------------------------


def test_enter_with_defaults_creates_one_room_ending_in_an_hour(dialog, fake, aloop, qtbot):
    created = []
    dialog.roomCreated.connect(created.append)
    assert dialog.focusWidget() is child(dialog, QLineEdit, "labelEdit")
    defaults = [b.objectName() for b in dialog.findChildren(QPushButton) if b.isDefault()]
    assert defaults == ["createButton"]
    assert create_button(dialog).isEnabled()

    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: not dialog.isVisible())

    assert len(fake.calls) == 1
    request, label = fake.calls[0]
    assert label == ""
    assert request.to_json() == {
        "endDate": "2024-05-14T11:05:00Z",  # 13:05 in Oslo
        "roomMode": "normal",
        "isLocked": False,
        "roomNamePattern": "uuid",
        "fields": ["hostRoomUrl"],
    }
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.created_result is fake.result
    assert created == [fake.result]
    assert dialog.chosenZoneName() == "Europe/Oslo"


def test_the_label_is_passed_trimmed(dialog, fake, aloop, qtbot):
    qtbot.keyClicks(child(dialog, QLineEdit, "labelEdit"), "  Weekly sync ")
    aloop.act(lambda: qtbot.mouseClick(create_button(dialog), Qt.MouseButton.LeftButton))
    aloop.wait_until(lambda: bool(fake.calls))
    assert fake.calls[0][1] == "Weekly sync"


def test_defaults_from_settings_and_an_unknown_zone_falls_back(make_dialog, fake, aloop, qtbot):
    dialog = make_dialog(
        zone_name="Not/AZone",
        defaults=FormDefaults(
            zone_name="Asia/Tokyo", host_link=False, viewer_link=True, room_mode=RoomMode.GROUP
        ),
    )
    form = dialog.form()
    assert form.zone_name == "Asia/Tokyo"
    assert (form.host_link, form.viewer_link, form.room_mode) == (False, True, RoomMode.GROUP)
    assert "JST" in child(dialog, QLabel, "summaryLabel").text()
    assert child(dialog, TimeZonePicker, "zonePicker").itemData(0) == "Asia/Tokyo"  # recent first


# -- the end --------------------------------------------------------------------------------


def test_summary_and_quick_buttons(dialog, qtbot):
    summary = child(dialog, QLabel, "summaryLabel")
    assert summary.text() == (
        "Ends Tue 14 May 2024, 13:05 CEST (11:05 UTC) — in 1 h 5 min. "
        "The room is deactivated at 14:05 CEST."
    )
    edit = child(dialog, QDateTimeEdit, "endEdit")
    for name, expected in (
        ("plus30Button", "13:35"),
        ("plus60Button", "14:35"),
        ("plus120Button", "16:35"),
        ("endOfDayButton", "23:55"),
    ):
        qtbot.mouseClick(child(dialog, QPushButton, name), Qt.MouseButton.LeftButton)
        assert edit.time().toString("HH:mm") == expected
        assert f"Ends Tue 14 May 2024, {expected} CEST" in summary.text()
    assert dialog.form().end_wall == datetime(2024, 5, 14, 23, 55)


def test_the_summary_follows_the_clock_every_30_seconds(dialog, clock):
    timer = child(dialog, QTimer, "summaryTimer")
    assert timer.isActive() and timer.interval() == 30_000
    clock.now += timedelta(minutes=6)
    timer.timeout.emit()
    assert "— in 59 min." in child(dialog, QLabel, "summaryLabel").text()
    clock.now += timedelta(hours=1)
    timer.timeout.emit()
    assert not create_button(dialog).isEnabled()
    assert child(dialog, QLabel, "reasonLabel").text() == (
        "Fix: the end is in the past; pick a later time"
    )


def test_a_past_end_disables_create_with_the_reason(dialog, qtbot):
    set_end(dialog, datetime(2024, 5, 14, 11, 0))
    assert error_text(dialog, "endEdit") == "The end is in the past; pick a later time"
    assert not create_button(dialog).isEnabled()
    assert child(dialog, QLabel, "reasonLabel").isVisibleTo(dialog)
    assert child(dialog, QDateTimeEdit, "endEdit").accessibleDescription() == (
        "The end is in the past; pick a later time"
    )


def test_a_repeated_time_asks_which_one(dialog, fake, aloop, qtbot, clock):
    clock.now = datetime(2024, 10, 26, 12, 0, tzinfo=UTC)
    set_end(dialog, datetime(2024, 10, 27, 2, 30))
    fold_row = child(dialog, QWidget, "foldRow")
    assert fold_row.isVisibleTo(dialog)
    first, second = (
        child(dialog, QRadioButton, "fold0Button"),
        child(dialog, QRadioButton, "fold1Button"),
    )
    assert first.text() == "first (CEST, UTC+02:00)"
    assert second.text() == "second (CET, UTC+01:00)"
    assert "occurs twice" in error_text(dialog, "endEdit")
    assert not create_button(dialog).isEnabled()

    qtbot.mouseClick(second, Qt.MouseButton.LeftButton)
    assert create_button(dialog).isEnabled()
    assert error_text(dialog, "endEdit") is None
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls))
    assert fake.calls[0][0].to_json()["endDate"] == "2024-10-27T01:30:00Z"

    set_end(dialog, datetime(2024, 10, 28, 2, 30))
    assert not fold_row.isVisibleTo(dialog)


def test_a_skipped_time_is_refused(dialog, clock):
    clock.now = datetime(2024, 3, 30, 12, 0, tzinfo=UTC)
    set_end(dialog, datetime(2024, 3, 31, 2, 30))
    assert "does not exist in Europe/Oslo" in error_text(dialog, "endEdit")
    assert not create_button(dialog).isEnabled()
    assert not child(dialog, QWidget, "foldRow").isVisibleTo(dialog)


# -- the time-zone picker ----------------------------------------------------------------------


def test_the_zone_picker_filters_by_any_part_of_the_name(qtbot):
    picker = TimeZonePicker(reference_time=NOW)
    qtbot.addWidget(picker)
    picker.setZoneName("UTC")
    picker.show()
    seen: list[str] = []
    picker.zoneChanged.connect(seen.append)
    picker.lineEdit().clear()
    qtbot.keyClicks(picker.lineEdit(), "oslo")
    completer = picker.completer()
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "Europe/Oslo (UTC+02:00)"
    assert seen == []
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert seen == ["Europe/Oslo"]
    assert picker.zoneName() == "Europe/Oslo"
    assert picker.currentText() == "Europe/Oslo (UTC+02:00)"
    assert picker.accessibleName() == "Time zone"


def test_the_zone_picker_rejects_unknown_text_and_accepts_typed_names(qtbot):
    picker = TimeZonePicker(reference_time=NOW)
    qtbot.addWidget(picker)
    assert picker.setZoneName("Europe/Oslo")
    seen: list[str] = []
    picker.zoneChanged.connect(seen.append)
    picker.lineEdit().selectAll()
    qtbot.keyClicks(picker.lineEdit(), "Mars/Olympus")
    qtbot.keyClick(picker.lineEdit(), Qt.Key.Key_Return)
    assert seen == []
    assert picker.zoneName() == ""
    assert not picker.hasAcceptableInput()
    assert picker.accessibleDescription() == "Not a known time zone"
    assert not picker.setZoneName("Nowhere/Else")
    assert seen == []

    picker.lineEdit().selectAll()
    qtbot.keyClicks(picker.lineEdit(), "asia/tokyo")
    assert seen == ["Asia/Tokyo"]
    picker.lineEdit().editingFinished.emit()
    assert picker.currentText() == "Asia/Tokyo (UTC+09:00)"
    assert picker.accessibleDescription() == ""
    assert seen == ["Asia/Tokyo"]


def test_recent_zones_come_first(qtbot):
    picker = TimeZonePicker(reference_time=NOW)
    qtbot.addWidget(picker)
    picker.setZoneName("Europe/Oslo")
    picker.setRecentZones(["Asia/Tokyo", "Bogus/Zone", "America/New_York"])
    assert [picker.itemData(i) for i in range(2)] == ["Asia/Tokyo", "America/New_York"]
    assert picker.zoneName() == "Europe/Oslo"
    assert picker.findData("Asia/Tokyo") == 0  # not listed twice
    assert picker.recentZones() == ["Asia/Tokyo", "America/New_York"]


def test_an_unknown_zone_in_the_dialog_blocks_create(dialog, qtbot):
    picker = child(dialog, TimeZonePicker, "zonePicker")
    picker.lineEdit().selectAll()
    qtbot.keyClicks(picker.lineEdit(), "Atlantis")
    assert "'Atlantis' is not a known IANA time zone" in error_text(dialog, "zonePicker")
    assert not create_button(dialog).isEnabled()
    assert dialog.chosenZoneName() == "Europe/Oslo"
    picker.lineEdit().selectAll()
    qtbot.keyClicks(picker.lineEdit(), "America/New_York")
    assert create_button(dialog).isEnabled()
    assert "EDT" in child(dialog, QLabel, "summaryLabel").text()
    assert dialog.chosenZoneName() == "America/New_York"


# -- prefix, viewer mode ----------------------------------------------------------------------


def test_a_bad_prefix_is_explained_next_to_it_and_blocks_create(dialog, qtbot):
    prefix = child(dialog, QLineEdit, "prefixEdit")
    qtbot.keyClicks(prefix, "Team_Sync")
    message = "The prefix may only contain a-z, 0-9 and '-'; found '_'"
    assert error_text(dialog, "prefixEdit") == message
    assert prefix.accessibleDescription() == message
    assert not create_button(dialog).isEnabled()
    assert child(dialog, QLabel, "reasonLabel").text() == f"Fix: {message[0].lower()}{message[1:]}"

    prefix.clear()
    qtbot.keyClicks(prefix, "Team Sync")
    assert error_text(dialog, "prefixEdit") is None
    assert prefix.accessibleDescription() == ""
    assert create_button(dialog).isEnabled()
    assert not child(dialog, QLabel, "reasonLabel").isVisibleTo(dialog)
    assert child(dialog, QLabel, "prefixPreview").text() == (
        "Will be: teamsync\nhttps://<your-subdomain>.whereby.com/teamsync-1a2b3c4d-…"
    )
    child(dialog, QComboBox, "nameStyleCombo").setCurrentIndex(1)
    assert child(dialog, QLabel, "prefixPreview").text().endswith("/teamsync-ab3k9x")


def test_viewer_mode_shows_and_locks_the_forced_choices(dialog, fake, aloop, qtbot):
    size = child(dialog, QComboBox, "roomSizeCombo")
    locked = child(dialog, QCheckBox, "lockedCheck")
    host = child(dialog, QCheckBox, "hostLinkCheck")
    viewer = child(dialog, QCheckBox, "viewerLinkCheck")
    note = child(dialog, QLabel, "viewerModeNote")
    qtbot.mouseClick(host, Qt.MouseButton.LeftButton)  # the user's own choice: no host link
    assert not host.isChecked()

    child(dialog, QCheckBox, "viewerModeCheck").setChecked(True)
    assert size.currentText().startswith("Group") and not size.isEnabled()
    assert locked.isChecked() and not locked.isEnabled()
    assert host.isChecked() and not host.isEnabled()
    assert viewer.isChecked() and not viewer.isEnabled()
    assert note.isVisibleTo(dialog)
    assert note.text() == "Viewer mode makes a locked group room with host and viewer links."

    child(dialog, QCheckBox, "viewerModeCheck").setChecked(False)
    assert size.currentText().startswith("Normal") and size.isEnabled()
    assert not locked.isChecked() and locked.isEnabled()
    assert not host.isChecked() and not viewer.isChecked()
    assert not note.isVisibleTo(dialog)

    child(dialog, QCheckBox, "viewerModeCheck").setChecked(True)
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls))
    body = fake.calls[0][0].to_json()
    assert body["templateType"] == "viewerMode"
    assert body["fields"] == ["hostRoomUrl", "viewerRoomUrl"]
    assert "roomMode" not in body


# -- advanced -----------------------------------------------------------------------------------


def test_advanced_is_collapsed_and_shows_only_relevant_s3_fields(dialog, qtbot):
    body = child(dialog, QWidget, "advancedBody")
    toggle = child(dialog, QToolButton, "advancedToggle")
    assert not body.isVisibleTo(dialog)
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert body.isVisibleTo(dialog)

    def shown(name: str) -> bool:
        return child(dialog, QLineEdit, f"recording_{name}Edit").isVisibleTo(dialog)

    provider = child(dialog, QComboBox, "recordingProviderCombo")
    assert not provider.isVisibleTo(dialog)
    child(dialog, QComboBox, "recordingTypeCombo").setCurrentIndex(2)  # cloud
    assert dialog.form().recording.type == RecordingType.CLOUD
    assert provider.isVisibleTo(dialog)
    assert not shown("bucket")
    assert create_button(dialog).isEnabled()

    provider.setCurrentIndex(provider.findData(StorageProvider.S3.value))
    assert [shown(n) for n in ("bucket", "region", "accessKeyId", "accessKeySecret")] == [True] * 4
    assert not shown("oidcRoleArn")
    secret = child(dialog, QLineEdit, "recording_accessKeySecretEdit")
    assert secret.echoMode() == QLineEdit.EchoMode.Password
    assert error_text(dialog, "recording_bucketEdit") == "The bucket is required for S3 storage"
    assert not create_button(dialog).isEnabled()
    assert child(dialog, QLabel, "reasonLabel").text() == (
        "Fix: the bucket is required for S3 storage (and 3 more)"
    )

    for name, text in (
        ("bucket", "recordings"),
        ("region", "eu-north-1"),
        ("accessKeyId", "AKIAEXAMPLE"),
        ("accessKeySecret", "s3-secret-value"),
    ):
        qtbot.keyClicks(child(dialog, QLineEdit, f"recording_{name}Edit"), text)
    assert error_text(dialog, "recording_bucketEdit") is None
    assert create_button(dialog).isEnabled()

    auth = child(dialog, QComboBox, "recordingAuthCombo")
    auth.setCurrentIndex(auth.findData(S3AuthenticationType.ROLE_BASED.value))
    assert shown("oidcRoleArn") and not shown("region") and not shown("accessKeySecret")
    assert error_text(dialog, "recording_oidcRoleArnEdit") == (
        "The role ARN is required for role-based S3 access"
    )
    assert not create_button(dialog).isEnabled()

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)  # collapse with a problem inside
    assert not body.isVisibleTo(dialog)
    assert toggle.text().endswith("— 1 problem")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(child(dialog, QLineEdit, "recording_oidcRoleArnEdit"), "arn:aws:iam::1:role/r")
    assert create_button(dialog).isEnabled()


def test_transcription_and_streaming_fields(dialog, fake, aloop, qtbot):
    qtbot.mouseClick(child(dialog, QToolButton, "advancedToggle"), Qt.MouseButton.LeftButton)
    language = child(dialog, QComboBox, "languageCombo")
    url = child(dialog, QLineEdit, "streamUrlEdit")
    assert not language.isVisibleTo(dialog) and not url.isVisibleTo(dialog)

    child(dialog, QCheckBox, "transcriptionCheck").setChecked(True)
    assert language.isVisibleTo(dialog)
    assert not child(dialog, QLineEdit, "liveTranscription_bucketEdit").isVisibleTo(dialog)
    language.setCurrentIndex(language.findData("de-CH"))
    assert "German" in language.currentText()
    child(dialog, QCheckBox, "liveCaptionsCheck").setChecked(True)

    child(dialog, QCheckBox, "streamingCheck").setChecked(True)
    assert url.isVisibleTo(dialog)
    assert error_text(dialog, "streamUrlEdit").startswith("The stream address must be an rtmp://")
    qtbot.keyClicks(url, "rtmp://live.example.com/app/key")
    assert create_button(dialog).isEnabled()

    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls))
    body = fake.calls[0][0].to_json()
    assert body["liveTranscription"] == {
        "destination": {"provider": "whereby"},
        "startTrigger": "manual",
        "language": "de-CH",
        "liveCaptions": True,
    }
    assert body["streaming"] == {
        "destination": {"url": "rtmp://live.example.com/app/key"},
        "startTrigger": "none",
    }


# -- running -----------------------------------------------------------------------------------


def test_while_creating_inputs_are_disabled_and_enter_does_not_submit_twice(
    dialog, fake, aloop, qtbot
):
    fake.gate = asyncio.Event()
    label = child(dialog, QLineEdit, "labelEdit")
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls))

    assert dialog.isBusy()
    assert not label.isEnabled()
    assert not child(dialog, QLineEdit, "prefixEdit").isEnabled()
    assert not create_button(dialog).isEnabled()
    assert not child(dialog, QPushButton, "copyCurlButton").isEnabled()
    assert child(dialog, QProgressBar, "busyIndicator").isVisibleTo(dialog)
    assert child(dialog, QLabel, "busyLabel").text() == "Creating…"
    for _ in range(2):
        press_enter(aloop, qtbot, dialog)
        aloop.act(lambda: qtbot.keyClick(dialog, Qt.Key.Key_Return))
    assert len(fake.calls) == 1
    assert dialog.isVisible()

    fake.gate.set()
    aloop.wait_until(lambda: not dialog.isVisible())
    assert len(fake.calls) == 1
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_escape_cancels_the_running_create_and_keeps_the_dialog(dialog, fake, aloop, qtbot):
    fake.gate = asyncio.Event()
    qtbot.keyClicks(child(dialog, QLineEdit, "labelEdit"), "Kept")
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls))

    aloop.act(lambda: qtbot.keyClick(dialog, Qt.Key.Key_Escape))
    aloop.wait_until(lambda: not dialog.isBusy())
    assert fake.was_cancelled
    assert dialog.isVisible()
    assert child(dialog, QLabel, "errorArea").text() == CANCELLED_AFTER_SEND
    assert child(dialog, QLineEdit, "labelEdit").isEnabled()
    assert child(dialog, QLineEdit, "labelEdit").text() == "Kept"
    assert dialog.focusWidget() is child(dialog, QLineEdit, "labelEdit")  # focus given back
    assert create_button(dialog).isEnabled()

    # Esc again, with nothing running, closes the dialog.
    aloop.act(lambda: qtbot.keyClick(dialog, Qt.Key.Key_Escape))
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.created_result is None


def test_a_dialog_deleted_while_creating_lets_the_create_finish_quietly(
    make_dialog, fake, aloop, qtbot
):
    window = QWidget()  # the main window, which owns the dialog
    qtbot.addWidget(window)
    dialog = make_dialog(parent=window)
    fake.gate = asyncio.Event()
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls))
    shiboken6.delete(dialog)
    fake.gate.set()
    aloop.wait_until(lambda: fake.returned)
    aloop.run(asyncio.sleep(0))  # the task's ending and its callbacks; errors would surface
    assert not fake.was_cancelled


def test_cancel_before_the_request_started_says_nothing_was_sent(dialog, fake, aloop, qtbot):
    def create_then_cancel() -> None:
        qtbot.mouseClick(create_button(dialog), Qt.MouseButton.LeftButton)
        qtbot.mouseClick(child(dialog, QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)

    aloop.act(create_then_cancel)
    aloop.wait_until(lambda: not dialog.isBusy())
    assert fake.calls == []
    assert dialog.isVisible()
    assert child(dialog, QLabel, "errorArea").text() == CANCELLED_BEFORE_SEND


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (InvalidApiKeyError("The API key was refused (401)."), "The API key was refused."),
        (
            RateLimitedError("Whereby's rate limit was reached.", retry_after=30),
            "Try again in 30 s.",
        ),
        (
            ServerError("Whereby had a problem of its own (503).", status=503),
            "Whereby had a problem of its own.",
        ),
        (NetworkError("Could not connect to api.example.test."), "Whereby could not be reached."),
        (
            RequestRejectedError(
                "The request was rejected (400): bad field", status=400, server_text="bad field"
            ),
            "Whereby rejected the request.",
        ),
    ],
)
def test_failures_are_shown_in_words_and_inputs_are_kept(dialog, fake, aloop, qtbot, error, words):
    fake.error = error
    qtbot.keyClicks(child(dialog, QLineEdit, "labelEdit"), "Board meeting")
    qtbot.keyClicks(child(dialog, QLineEdit, "prefixEdit"), "board")
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls) and not dialog.isBusy())

    area = child(dialog, QLabel, "errorArea")
    assert dialog.isVisible()
    assert area.isVisibleTo(dialog)
    headline, detail = area.text().split("\n")
    assert words in headline
    assert detail == str(error)
    assert area.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert child(dialog, QLineEdit, "labelEdit").text() == "Board meeting"
    assert child(dialog, QLineEdit, "prefixEdit").text() == "board"
    assert child(dialog, QLineEdit, "labelEdit").isEnabled()
    assert create_button(dialog).isEnabled()
    assert dialog.created_result is None


def test_validation_errors_from_the_service_are_shown_at_their_fields(dialog, fake, aloop, qtbot):
    fake.error = RequestValidationError([FieldIssue("roomNamePrefix", "is already taken")])
    press_enter(aloop, qtbot, dialog)
    aloop.wait_until(lambda: bool(fake.calls) and not dialog.isBusy())
    assert error_text(dialog, "prefixEdit") == "The prefix is already taken"
    assert "nothing was sent" in child(dialog, QLabel, "errorArea").text()
    qtbot.keyClicks(child(dialog, QLineEdit, "prefixEdit"), "other")
    assert error_text(dialog, "prefixEdit") is None


def test_unexpected_exceptions_are_not_swallowed(dialog, fake, aloop, qtbot):
    fake.error = RuntimeError("bug in the service")
    with pytest.raises(RuntimeError, match="bug in the service"):
        press_enter(aloop, qtbot, dialog)
        aloop.wait_until(lambda: False, timeout=5)
    assert not dialog.isBusy()
    assert dialog.isVisible()


# -- show request / copy as curl ------------------------------------------------------------------


def _fill_s3_recording(dialog, qtbot, secret: str) -> None:
    qtbot.mouseClick(child(dialog, QToolButton, "advancedToggle"), Qt.MouseButton.LeftButton)
    child(dialog, QComboBox, "recordingTypeCombo").setCurrentIndex(2)
    provider = child(dialog, QComboBox, "recordingProviderCombo")
    provider.setCurrentIndex(provider.findData(StorageProvider.S3.value))
    for name, text in (
        ("bucket", "recordings"),
        ("region", "eu-north-1"),
        ("accessKeyId", "AKIAEXAMPLE"),
        ("accessKeySecret", secret),
    ):
        qtbot.keyClicks(child(dialog, QLineEdit, f"recording_{name}Edit"), text)


def test_show_request_toggles_the_json_with_the_secret_masked(dialog, qtbot, clock):
    view = child(dialog, QPlainTextEdit, "requestView")
    button = child(dialog, QPushButton, "showRequestButton")
    assert not view.isVisibleTo(dialog)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert view.isVisibleTo(dialog) and view.isReadOnly()
    assert json.loads(view.toPlainText()) == dialog.form().build(clock()).to_json()

    _fill_s3_recording(dialog, qtbot, "very-secret-s3")
    assert "very-secret-s3" not in view.toPlainText()
    assert json.loads(view.toPlainText())["recording"]["destination"]["accessKeySecret"] == (
        "********"
    )
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not view.isVisibleTo(dialog)


def test_copy_as_curl_puts_a_keyless_command_on_the_clipboard(dialog, qtbot, clock, monkeypatch):
    monkeypatch.setenv("WHEREBY_API_KEY", "real-api-key-0123456789")
    _fill_s3_recording(dialog, qtbot, "very-secret-s3")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(child(dialog, QPushButton, "copyCurlButton"), Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text.startswith(f"curl -X POST {BASE_URL}/meetings ")
    assert "real-api-key" not in text and "very-secret-s3" not in text
    assert "$WHEREBY_API_KEY" in text
    words = shlex.split(text)
    body = json.loads(words[-1])
    expected = dialog.form().build(clock()).to_json()
    expected["recording"]["destination"]["accessKeySecret"] = "$S3_ACCESS_KEY_SECRET"
    assert body == expected
    assert "S3_ACCESS_KEY_SECRET" in child(dialog, QLabel, "copyNote").text()


# -- keyboard, accessibility, looks ---------------------------------------------------------------


def _inside_a_compound_widget(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QCalendarWidget):
            return True
        parent = parent.parentWidget()
    return False


def test_every_control_has_an_accessible_name_and_labels_have_buddies(dialog):
    kinds = (QLineEdit, QComboBox, QCheckBox, QPushButton, QRadioButton, QDateTimeEdit)
    controls = [
        widget
        for kind in (*kinds, QToolButton)
        for widget in dialog.findChildren(kind)
        if not _inside_a_compound_widget(widget)
    ]
    assert len(controls) > 30
    unnamed = [w.objectName() or type(w).__name__ for w in controls if not w.accessibleName()]
    assert unnamed == []
    buddies = {
        label.text(): label.buddy() for label in dialog.findChildren(QLabel) if "&" in label.text()
    }
    assert buddies["&Label:"] is child(dialog, QLineEdit, "labelEdit")
    assert buddies["&Ends:"] is child(dialog, QDateTimeEdit, "endEdit")
    assert buddies["Time &zone:"] is child(dialog, TimeZonePicker, "zonePicker")
    assert buddies["Name &prefix:"] is child(dialog, QLineEdit, "prefixEdit")


def test_tab_moves_through_the_inputs_in_visual_order(dialog, qtbot):
    order = []
    widget = child(dialog, QLineEdit, "labelEdit")
    for _ in range(16):
        order.append(widget.objectName())
        widget = widget.nextInFocusChain()
        while _inside_a_compound_widget(widget) or not widget.objectName():
            widget = widget.nextInFocusChain()
    assert order[:16] == [
        "labelEdit",
        "planStartCheck",
        "startEdit",
        "startFold0Button",
        "startFold1Button",
        "endEdit",
        "plus30Button",
        "plus60Button",
        "plus120Button",
        "endOfDayButton",
        "fold0Button",
        "fold1Button",
        "zonePicker",
        "hostLinkCheck",
        "viewerLinkCheck",
        "roomSizeCombo",
    ]


def test_the_dialog_renders_at_a_sensible_size(dialog, qtbot, tmp_path):
    image = dialog.grab()
    assert not image.isNull()
    assert 520 <= image.width() <= 700
    assert 300 <= image.height() <= 900
    assert image.save(str(tmp_path / "create_dialog.png"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert image.save(str(SHOTS / "create_dialog.png"))
    qtbot.mouseClick(child(dialog, QToolButton, "advancedToggle"), Qt.MouseButton.LeftButton)
    child(dialog, QComboBox, "recordingTypeCombo").setCurrentIndex(2)
    qtbot.waitUntil(lambda: dialog.height() > image.height())  # the dialog grows to show it
    QApplication.processEvents()  # let the scroll area lay out the grown content
    expanded = dialog.grab()
    assert expanded.height() >= image.height()
    assert expanded.save(str(SHOTS / "create_dialog_advanced.png"))


def test_error_colours_stay_readable_in_dark_palettes(dialog):
    from PySide6.QtGui import QColor, QPalette

    label = child(dialog, QLabel, "prefixEditError")
    light = label.palette().color(QPalette.ColorRole.WindowText)
    dark_palette = QPalette(QColor("#202020"))
    dialog.setPalette(dark_palette)
    dark = label.palette().color(QPalette.ColorRole.WindowText)
    assert light != dark
    assert dark.lightnessF() > 0.5 > light.lightnessF()
