"""A room's "After the session" window against the emulator, driven as a person would: its
recordings, transcripts and attendance, what it keeps, downloads, deletes, and what it says
when something goes wrong."""

from __future__ import annotations

import errno
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QMessageBox

from roomdesk.api.recordings import RecordingsClient
from roomdesk.api.requests import MeetingRequest
from roomdesk.paths import app_paths
from roomdesk.secrets import ApiKey, KeyStore
from roomdesk.services.attendance import LAG_NOTE, MERGE_RULE
from roomdesk.services.downloads import DownloadTuning, open_part_file, safe_file_name
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.main_window import MainWindow
from roomdesk.ui.media_parts import MediaTuning
from roomdesk.ui.media_window import MediaWindow
from roomdesk.ui.session import AppSession

DEMO_PEOPLE = 5  # the emulator's demo cast, rejoins merged


class Chooser:
    """Answers "where to save?" with the next path given, as a person would."""

    def __init__(self) -> None:
        self.answers: list[Path] = []
        self.asked: list[tuple[str, Path]] = []

    def __call__(self, parent, title, suggested, filters, chosen) -> None:
        self.asked.append((title, suggested))
        if self.answers:
            chosen(self.answers.pop(0))


class Opener:
    def __init__(self) -> None:
        self.opened: list[Path] = []

    def __call__(self, url: QUrl) -> bool:
        self.opened.append(Path(url.toLocalFile()))
        return True


@pytest.fixture
def chooser() -> Chooser:
    return Chooser()


@pytest.fixture
def opener() -> Opener:
    return Opener()


@pytest.fixture
def tuning(chooser, opener, tmp_path) -> MediaTuning:
    return MediaTuning(
        poll_interval=timedelta(milliseconds=50),
        sync_wait=0.01,
        download=DownloadTuning(write_bytes=64 * 1024, progress_interval=0, retry_delay=0),
        choose_path=chooser,
        open_url=opener,
        open_folder=tmp_path / "to-open",
    )


@pytest.fixture
def session(app_session, aloop):
    aloop.run(app_session.start_with_key(ApiKey("test-key")))
    return app_session


@pytest.fixture
def window(session, qtbot, aloop, tuning):
    main = MainWindow(session, AppSettings(app_paths()), media_tuning=tuning)
    qtbot.addWidget(main)
    main.resize(1100, 700)
    main.show()
    qtbot.waitExposed(main)
    aloop.wait_until(lambda: main.startup_refresh_done)
    return main


def make_room(session, aloop, label="Workshop"):
    request = MeetingRequest(end_date=datetime.now(UTC) + timedelta(hours=2))
    return aloop.run(session.create_room(request, label))


def open_window(window, aloop, meeting_id) -> MediaWindow:
    window.select_ids(meeting_id, [meeting_id])
    aloop.act(window.details_pane.after_button.click)
    media = window.media_windows[meeting_id]
    aloop.wait_until(lambda: not media.tasks.running())
    return media


@pytest.fixture
def room_with_history(session, aloop, emulator):
    room = make_room(session, aloop)
    history = emulator.add_demo_history(room.meeting_id)
    return room, history


def recording_requests(emulator) -> list:
    return [r for r in emulator.received if r.method == "GET" and r.path == "/v1/recordings"]


# -- opening ---------------------------------------------------------------------------------


def test_the_pane_opens_a_window_with_recordings_transcripts_and_attendance(
    window, aloop, room_with_history
):
    room, _history = room_with_history
    pane = window.details_pane
    window.select_ids(room.meeting_id, [room.meeting_id])
    assert pane.after_button.isEnabled() and window.after_session_action.shortcut().toString()
    media = open_window(window, aloop, room.meeting_id)
    assert media.isVisible() and not media.isModal()
    assert "Workshop" in media.windowTitle()
    assert media.recordings.model.rowCount() == 2
    assert media.transcripts.model.rowCount() == 2
    assert media.recordings.fetched.text().startswith("Fetched ")
    # The latest session first: it ended just now, so the lag note shows.
    assert media.attendance.sessions_model.rowCount() == 2
    assert media.attendance.people_model.rowCount() == DEMO_PEOPLE
    assert media.attendance.merge_rule.text() == MERGE_RULE
    assert not media.attendance.lag_note.isHidden() and media.attendance.lag_note.text() == LAG_NOTE
    media.attendance.sessions.selectRow(1)  # a week ago
    aloop.wait_until(lambda: not media.tasks.running())
    assert media.attendance.lag_note.isHidden()
    assert media.attendance.people_model.rowCount() == DEMO_PEOPLE
    # The same room again brings the same window forward.
    assert window.open_media_window() is media


def test_the_window_shows_what_was_kept_first_and_f5_fetches_again(
    window, aloop, qtbot, emulator, room_with_history
):
    room, history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    media.close()
    emulator.add_recording(history[0]["roomSessionId"])
    asked = len(recording_requests(emulator))
    media = open_window(window, aloop, room.meeting_id)
    assert media.recordings.model.rowCount() == 2  # kept, not fetched again
    assert len(recording_requests(emulator)) == asked
    aloop.act(lambda: qtbot.keyClick(media, Qt.Key.Key_F5))
    aloop.wait_until(lambda: media.recordings.model.rowCount() == 3)
    aloop.wait_until(lambda: not media.tasks.running())


def test_nothing_is_fetched_while_the_room_list_is_refreshed(
    window, aloop, emulator, session, room_with_history
):
    room, _history = room_with_history
    emulator.faults.latency = 1.0
    aloop.act(window.refresh)
    window.select_ids(room.meeting_id, [room.meeting_id])
    aloop.act(window.after_session_action.trigger)
    media = window.media_windows[room.meeting_id]
    opened = time.monotonic()
    aloop.wait_until(lambda: time.monotonic() - opened > 0.5)
    assert session.is_syncing
    assert [r.path for r in emulator.received if not r.path.startswith("/v1/meetings")] == []
    emulator.faults.latency = 0
    aloop.wait_until(lambda: not media.tasks.running(), timeout=30)
    assert recording_requests(emulator) and media.recordings.model.rowCount() == 2


def test_a_failed_fetch_is_said_in_the_window_and_what_was_kept_stays(
    window, aloop, emulator, room_with_history
):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    emulator.faults.force_status = 503
    aloop.act(media.refresh)
    aloop.wait_until(lambda: not media.tasks.running(), timeout=30)
    emulator.faults.force_status = None
    assert "could not be fetched" in media.recordings.message.text()
    assert "Traceback" not in media.recordings.message.text()
    assert media.recordings.model.rowCount() == 2


# -- recordings ------------------------------------------------------------------------------


def test_download_shows_progress_and_leaves_the_whole_file(
    window, aloop, emulator, chooser, tmp_path, session, caplog
):
    caplog.set_level(logging.DEBUG, logger="roomdesk")
    room = make_room(session, aloop)
    recording = emulator.add_recording(
        emulator.add_room_session(room.meeting_id)["roomSessionId"], size_bytes=3_000_000
    )
    media = open_window(window, aloop, room.meeting_id)
    target = tmp_path / "kept.mp4"
    chooser.answers.append(target)
    seen: list[str] = []
    media.recordings.download_bar.progress.valueChanged.connect(
        lambda _value: seen.append(media.recordings.download_bar.label.text())
    )
    aloop.act(media.recordings.download_button.click)
    aloop.wait_until(lambda: not media.tasks.running(), timeout=30)
    assert chooser.asked[0][1].name == safe_file_name(recording["filename"])
    assert target.stat().st_size == 3_000_000
    assert any("%" in text and "/s" in text for text in seen)
    assert "Downloaded kept.mp4" in media.recordings.message.text()
    assert media.recordings.download_bar.isHidden()
    # The access link works as a password: it never reaches a log or the window.
    signatures = {
        value
        for request in emulator.received
        if request.path.startswith("/storage/")
        for value in request.query.get("Signature", [])
    }
    assert signatures
    texts = [record.getMessage() for record in caplog.records]
    texts.append(media.recordings.message.text())
    assert not [text for text in texts for secret in signatures if secret in text]


def test_cancel_stops_a_download_and_leaves_nothing(
    window, aloop, emulator, chooser, tmp_path, session
):
    room = make_room(session, aloop)
    emulator.add_recording(
        emulator.add_room_session(room.meeting_id)["roomSessionId"], size_bytes=2_000_000_000
    )
    media = open_window(window, aloop, room.meeting_id)
    folder = tmp_path / "out"
    folder.mkdir()
    chooser.answers.append(folder / "big.mp4")
    aloop.act(media.recordings.download_button.click)
    bar = media.recordings.download_bar
    aloop.wait_until(lambda: bar.progress.value() > 0, timeout=30)
    aloop.act(bar.cancel_button.click)
    aloop.wait_until(lambda: not media.tasks.running(), timeout=30)
    assert "cancelled" in media.recordings.message.text()
    assert list(folder.iterdir()) == []


class FullDisk:
    def __init__(self, path: Path) -> None:
        self.file = open_part_file(path)

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()

    def close(self) -> None:
        self.file.close()


def test_a_full_disk_is_said_in_the_window(
    session, qtbot, aloop, emulator, chooser, opener, tmp_path
):
    tuning = MediaTuning(
        download=DownloadTuning(write_bytes=16 * 1024, retry_delay=0, open_file=FullDisk),
        choose_path=chooser,
        open_url=opener,
    )
    room = make_room(session, aloop)
    emulator.add_recording(emulator.add_room_session(room.meeting_id)["roomSessionId"])
    media = MediaWindow(session, AppSettings(app_paths()), room, tuning=tuning)
    qtbot.addWidget(media)
    media.show()
    aloop.act(media.load)
    aloop.wait_until(lambda: not media.tasks.running())
    chooser.answers.append(tmp_path / "a.mp4")
    aloop.act(media.recordings.download_button.click)
    aloop.wait_until(lambda: not media.tasks.running())
    assert "the disk is full" in media.recordings.message.text()
    assert list(tmp_path.glob("*a.mp4*")) == []


def test_open_downloads_to_a_temporary_folder_and_opens_the_file(
    window, aloop, opener, tuning, room_with_history
):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    tuning.open_folder.mkdir()
    aloop.act(media.recordings.open_button.click)
    aloop.wait_until(lambda: bool(opener.opened))
    (opened,) = opener.opened
    assert opened.parent == tuning.open_folder and opened.stat().st_size > 0


def test_a_recording_deleted_elsewhere_is_said_plainly(
    window, aloop, session, chooser, tmp_path, room_with_history
):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    first = media.recordings.current()
    gone = aloop.run(RecordingsClient(session.media().client).delete_recording(first.recording_id))
    assert gone
    chooser.answers.append(tmp_path / "gone.mp4")
    aloop.act(media.recordings.download_button.click)
    aloop.wait_until(lambda: not media.tasks.running())
    assert "no longer on Whereby" in media.recordings.message.text()
    assert not (tmp_path / "gone.mp4").exists()


def test_delete_asks_first_and_removes_the_recording(window, aloop, emulator, room_with_history):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    first = media.recordings.current()
    box = media.recordings.delete_current()
    assert box is not None and box.isVisible()
    aloop.act(box.button(QMessageBox.StandardButton.Cancel).click)
    assert first.recording_id in emulator.recording_ids()
    box = media.recordings.delete_current()
    aloop.act(box.button(QMessageBox.StandardButton.Yes).click)
    aloop.wait_until(lambda: media.recordings.model.rowCount() == 1)
    assert first.recording_id not in emulator.recording_ids()
    assert first.recording_id not in {r.recording_id for r in media.recordings.model.items()}


def test_transcribe_shows_in_progress_until_the_transcript_is_ready(
    window, aloop, emulator, session
):
    emulator.processing_time = timedelta(milliseconds=600)
    room = make_room(session, aloop)
    emulator.add_recording(emulator.add_room_session(room.meeting_id)["roomSessionId"])
    media = open_window(window, aloop, room.meeting_id)
    tab = media.recordings
    aloop.act(tab.transcribe_button.click)
    aloop.wait_until(lambda: tab.model.data(tab.model.index(0, 3)) == "In progress")
    assert not tab.transcribe_button.isEnabled()
    aloop.wait_until(lambda: not media.tasks.running())
    assert tab.model.data(tab.model.index(0, 3)) == "Ready"
    assert "ready" in tab.message.text()
    assert [t.is_ready for t in media.transcripts.model.items()] == [True]


# -- transcripts -----------------------------------------------------------------------------


def test_summaries_outside_the_beta_are_an_ordinary_message(
    window, aloop, chooser, tmp_path, room_with_history
):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    tab = media.transcripts
    ready = [row for row, item in enumerate(tab.model.items()) if item.is_ready]
    tab.table.selectRow(ready[0])
    aloop.act(tab.summary_button.click)
    aloop.wait_until(lambda: not media.tasks.running())
    assert "not available for this account" in tab.message.text()
    chooser.answers.append(tmp_path / "notes.md")
    aloop.act(tab.download_button.click)
    aloop.wait_until(lambda: not media.tasks.running())
    assert (tmp_path / "notes.md").read_text(encoding="utf-8").startswith("# Transcript")


# -- attendance ------------------------------------------------------------------------------


def test_attendance_is_exported_copied_and_drawn(
    window, aloop, chooser, tmp_path, room_with_history
):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    tab = media.attendance
    chooser.answers.append(tmp_path / "who.csv")
    tab.export_button.click()
    data = (tmp_path / "who.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == DEMO_PEOPLE + 1
    tab.copy_button.click()
    assert QGuiApplication.clipboard().text().count("\n") == DEMO_PEOPLE + 1
    chooser.answers.append(tmp_path / "timeline.png")
    tab.save_picture()
    picture = QImage(str(tmp_path / "timeline.png"))
    assert picture.height() == tab.timeline.height() and picture.width() > 300
    assert "5 people" in tab.timeline.accessibleDescription()


def _bar_at(image: QImage, x_fraction: float, row: int, timeline) -> QColor:
    left, right = timeline._span()
    x = left + round((right - left) * x_fraction)
    y = timeline.axisHeight() + row * timeline.rowHeight() + timeline.rowHeight() // 2
    return image.pixelColor(x, y)


@pytest.mark.parametrize("dark", [False, True])
def test_the_timeline_draws_each_stay_in_the_palettes_colours(
    window, aloop, room_with_history, dark
):
    room, _history = room_with_history
    media = open_window(window, aloop, room.meeting_id)
    timeline = media.attendance.timeline
    if dark:
        palette = QPalette(timeline.palette())
        palette.setColor(QPalette.ColorRole.Base, QColor("#202020"))
        palette.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#3d8ee6"))
        timeline.setPalette(palette)
    people = media.attendance.attendance.people
    row = next(i for i, p in enumerate(people) if p.display_name == "Chloé Martin")  # 5–30 of 45
    image = timeline.image()
    bar = timeline.palette().color(QPalette.ColorRole.Highlight)
    base = timeline.palette().color(QPalette.ColorRole.Base)
    assert _bar_at(image, 0.4, row, timeline) == bar
    assert _bar_at(image, 0.9, row, timeline) == base
    assert _bar_at(image, 0.05, row, timeline) == base


# -- demo ------------------------------------------------------------------------------------


def test_the_demos_drop_in_room_shows_its_past_sessions(aloop, qtbot, keyring_backend, tuning):
    demo = AppSession(app_paths(), keys=KeyStore(environ={}, keyring_backend=keyring_backend))
    aloop.run(demo.start_demo())
    try:
        made = {room.label: room for room in aloop.run(demo.add_demo_rooms("UTC"))}
        main = MainWindow(demo, AppSettings(app_paths()), media_tuning=tuning)
        qtbot.addWidget(main)
        main.show()
        qtbot.waitExposed(main)
        aloop.wait_until(lambda: main.startup_refresh_done)
        media = open_window(main, aloop, made["Drop-in room"].meeting_id)
        assert media.recordings.model.rowCount() == 2
        assert media.transcripts.model.rowCount() == 2
        assert media.attendance.people_model.rowCount() == DEMO_PEOPLE
        media.close()
        main.close()
    finally:
        aloop.run(demo.shutdown())
