"""The Recordings and Transcripts tabs of a room's "After the session" window.

Each shows what the store kept from the last fetch first, and fetches when asked (F5). Files
are downloaded by :func:`roomdesk.services.downloads.download` on the window's event loop, the
disk writes on a worker thread; a file to open goes to a temporary folder first.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.api.errors import NotFoundError, WherebyError
from roomdesk.api.media_models import (
    AccessLink,
    Recording,
    Transcription,
    TranscriptionState,
    TranscriptionType,
)
from roomdesk.services.downloads import download, safe_file_name
from roomdesk.store.errors import StoreError
from roomdesk.store.media import MediaKind
from roomdesk.ui.media_parts import (
    DownloadBar,
    MediaContext,
    MessageLine,
    TextTableModel,
    duration_text,
    fetched_text,
    local_time,
    selected_row,
    size_text,
    text_table,
)

STATE_TEXTS = {
    TranscriptionState.READY: "Ready",
    TranscriptionState.FAILED: "Failed",
    TranscriptionState.IN_PROGRESS: "In progress",
    TranscriptionState.UNKNOWN: "Unknown",
}
KIND_TEXTS = {
    TranscriptionType.LIVE: "Live",
    TranscriptionType.RECORDING: "From the recording",
    TranscriptionType.UNKNOWN: "",
}
LinkSource = Callable[[], Awaitable[AccessLink]]


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    return button


class _FileTab(QWidget):
    """A list of files kept at Whereby: its table, when it was fetched, what happened last, and
    downloading a file (to keep, or to open)."""

    def __init__(self, ctx: MediaContext, headers: list[str], numeric: tuple[int, ...], name: str):
        super().__init__()
        self.ctx = ctx
        self.model = TextTableModel(headers, numeric)
        self.table = text_table(self.model, name)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.fetched = QLabel()
        self.fetched.setAccessibleName(f"When the {name.lower()} were fetched")
        self.message = MessageLine(f"What happened to the {name.lower()}")
        self.download_bar = DownloadBar()
        self.buttons = QHBoxLayout()
        self._folder = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
            or Path.home()
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.fetched)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.buttons)
        layout.addWidget(self.download_bar)
        layout.addWidget(self.message)

    def current(self) -> object:
        return self.model.item(selected_row(self.table))

    def update_buttons(self) -> None:
        raise NotImplementedError

    def _show_fetched(self, kind: MediaKind) -> None:
        moment = self.ctx.service.cache.last_fetched(self.ctx.meeting_id, kind)
        self.fetched.setText(fetched_text(moment, self.ctx.zone).capitalize())

    def _select_again(self, key: Callable[[object], object], wanted: object) -> None:
        for row, item in enumerate(self.model.items()):
            if key(item) == wanted:
                self.table.selectRow(row)
                return

    # -- downloads -------------------------------------------------------------------------------

    def ask_and_download(self, what: str, name: str, link_source: LinkSource) -> None:
        """Ask where (the path chooser), then download there."""

        def chosen(target: Path) -> None:
            self._folder = target.parent
            self.ctx.tasks.start(self._download_to(what, link_source, target))

        self.ctx.tuning.choose_path(
            self, f"Save {what}", self._folder / name, ("All files (*)",), chosen
        )

    def download_and_open(self, what: str, name: str, link_source: LinkSource) -> None:
        """Download to a temporary folder, then open the file with the desktop's app for it."""
        folder = self.ctx.tuning.open_folder or Path(tempfile.mkdtemp(prefix="roomdesk-open-"))
        target = folder / name

        async def run() -> None:
            if await self._download_to(what, link_source, target) and not self.ctx.tuning.open_url(
                QUrl.fromLocalFile(str(target))
            ):
                self.message.problem(f"No app opened {target}; the file is there to open.")

        self.ctx.tasks.start(run())

    async def _download_to(self, what: str, link_source: LinkSource, target: Path) -> bool:
        if self.download_bar.busy:
            self.message.say("One download at a time: wait for this one, or cancel it.")
            return False
        self.message.clear_message()
        self.download_bar.begin(f"Downloading {target.name}…")
        self.update_buttons()
        try:
            await download(
                self.ctx.service.client,
                link_source,
                target,
                progress=self.download_bar.show_progress,
                overwrite=True,  # the file dialog asked before replacing a file
                tuning=self.ctx.tuning.download,
            )
        except asyncio.CancelledError:
            self.message.say(f"Download of {target.name} cancelled; nothing was left behind.")
            return False
        except NotFoundError:
            self.message.problem(
                f"The {what} is no longer on Whereby: it may have been deleted elsewhere. "
                "Refresh (F5) to see what is left."
            )
            return False
        except WherebyError as exc:
            self.message.problem(f"The {what} was not downloaded: {exc}")
            return False
        finally:
            self.download_bar.end()
            self.update_buttons()
        self.message.say(f"Downloaded {target.name} to {target.parent}.")
        return True

    async def _fetch(self, what: str, fetch: Callable[[], Awaitable[object]]) -> bool:
        """Fetch a list (after any refresh of the room list); a failure is said here, and what
        was kept before stays shown."""
        await self.ctx.not_syncing()
        self.fetched.setText(f"Fetching the {what} from Whereby…")
        try:
            await fetch()
        except (WherebyError, StoreError) as exc:
            self.message.problem(f"The {what} could not be fetched: {exc} Shown: what was kept.")
            return False
        return True


class RecordingsTab(_FileTab):
    """A room's recordings: start (in the person's zone), duration, size and transcript;
    Download…, Open, Delete… and Transcribe."""

    transcriptionsChanged = Signal()

    def __init__(self, ctx: MediaContext) -> None:
        super().__init__(
            ctx, ["Start", "Duration", "Size", "Transcript", "File"], (1, 2), "Recordings"
        )
        self.download_button = _button(
            "Download…", "Download recording", "Save the recording as a file"
        )
        self.open_button = _button("Open", "Open recording", "Download and play the recording")
        self.delete_button = _button(
            "Delete…", "Delete recording", "Delete the recording on Whereby"
        )
        self.transcribe_button = _button(
            "Transcribe", "Transcribe recording", "Ask Whereby to make a transcript of it"
        )
        for button in (self.download_button, self.open_button, self.delete_button):
            self.buttons.addWidget(button)
        self.buttons.addWidget(self.transcribe_button)
        self.buttons.addStretch(1)
        self.download_button.clicked.connect(self.download_current)
        self.open_button.clicked.connect(self.open_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.transcribe_button.clicked.connect(self.transcribe_current)
        self.confirm_box: QMessageBox | None = None
        self._transcribing: set[str] = set()  # recordings whose transcript is being made
        self.update_buttons()

    def current(self) -> Recording | None:
        item = super().current()
        return item if isinstance(item, Recording) else None

    def update_buttons(self, *_args: object) -> None:
        recording = self.current()
        for button in (self.download_button, self.open_button):
            button.setEnabled(recording is not None and not self.download_bar.busy)
        self.delete_button.setEnabled(recording is not None)
        self.transcribe_button.setEnabled(
            recording is not None and recording.recording_id not in self._transcribing
        )

    def show_cached(self) -> None:
        cache = self.ctx.service.cache
        kept = self.current()
        recordings = cache.recordings(self.ctx.meeting_id)
        states: dict[str, str] = {}
        for made in cache.transcriptions(self.ctx.meeting_id):
            if made.type is TranscriptionType.RECORDING:
                states[made.room_session_id] = STATE_TEXTS[made.state]
        rows = []
        for item in recordings:
            transcript = states.get(item.room_session_id, "")
            if item.recording_id in self._transcribing:
                transcript = "In progress"
            rows.append(
                (
                    local_time(item.start_date, self.ctx.zone),
                    duration_text(item.duration),
                    size_text(item.size_in_megabytes),
                    transcript,
                    item.filename,
                )
            )
        self.model.setRows(rows, recordings)
        self.table.resizeColumnsToContents()
        if kept is not None:
            self._select_again(lambda item: getattr(item, "recording_id", None), kept.recording_id)
        elif recordings:
            self.table.selectRow(0)
        self._show_fetched(MediaKind.RECORDINGS)
        if not recordings and cache.last_fetched(self.ctx.meeting_id, MediaKind.RECORDINGS):
            self.fetched.setText(self.fetched.text() + " — no recordings of this room")
        self.update_buttons()

    async def refresh(self) -> None:
        await self._fetch(
            "recordings", lambda: self.ctx.service.fetch_recordings(self.ctx.meeting_id)
        )
        self.show_cached()

    def _name(self, recording: Recording) -> str:
        return safe_file_name(recording.filename, f"recording-{recording.recording_id}.mp4")

    def _link_source(self, recording: Recording) -> LinkSource:
        return lambda: self.ctx.service.recording_access_link(recording.recording_id)

    def download_current(self) -> None:
        if (recording := self.current()) is not None:
            self.ask_and_download("recording", self._name(recording), self._link_source(recording))

    def open_current(self) -> None:
        if (recording := self.current()) is not None:
            self.download_and_open("recording", self._name(recording), self._link_source(recording))

    # -- delete ----------------------------------------------------------------------------------

    def delete_current(self) -> QMessageBox | None:
        """Ask, with a message box opened with open(); deleted on Whereby on Yes."""
        recording = self.current()
        if recording is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete recording",
            f"Delete the recording of {local_time(recording.start_date, self.ctx.zone)} "
            f"({recording.filename}) on Whereby? It cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")

        def answered(button: QAbstractButton) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self.ctx.tasks.start(self._delete(recording))

        box.buttonClicked.connect(answered)
        box.finished.connect(box.deleteLater)
        self.confirm_box = box
        box.open()
        return box

    async def _delete(self, recording: Recording) -> None:
        self.message.say("Deleting the recording on Whereby…")
        try:
            await self.ctx.service.delete_recordings([recording.recording_id])
        except (WherebyError, StoreError) as exc:
            self.message.problem(f"The recording was not deleted: {exc}")
            return
        self.message.say(f"Deleted the recording {recording.filename}.")
        self.show_cached()

    # -- transcribe ------------------------------------------------------------------------------

    def transcribe_current(self) -> None:
        recording = self.current()
        if recording is not None and recording.recording_id not in self._transcribing:
            self.ctx.tasks.start(self._transcribe(recording))

    async def _transcribe(self, recording: Recording) -> None:
        from roomdesk.services.media import TranscriptionWaitTimeout

        rid = recording.recording_id
        self._transcribing.add(rid)
        self.show_cached()
        self.message.say("Transcription in progress: Whereby is making the transcript…")
        service = self.ctx.service
        try:
            made = await service.start_transcription(rid)
            self.transcriptionsChanged.emit()
            done = await service.wait_for_transcription(
                made,
                recording_id=rid,
                interval=self.ctx.tuning.poll_interval,
                timeout=self.ctx.tuning.poll_timeout,
            )
        except TranscriptionWaitTimeout as exc:
            self.message.problem(str(exc))
        except NotFoundError:
            self.message.problem(
                "The recording is no longer on Whereby: it may have been deleted elsewhere. "
                "Refresh (F5) to see what is left."
            )
        except (WherebyError, StoreError) as exc:
            self.message.problem(f"The recording was not transcribed: {exc}")
        else:
            state = STATE_TEXTS[done.state].lower()
            self.message.say(f"The transcript is {state}: see the Transcripts tab.")
        finally:
            self._transcribing.discard(rid)
            self.show_cached()
            self.transcriptionsChanged.emit()


class TranscriptsTab(_FileTab):
    """A room's transcripts: start, kind and state; Download…, Open, and the summary where the
    account has summaries."""

    def __init__(self, ctx: MediaContext) -> None:
        super().__init__(ctx, ["Start", "Kind", "State", "File"], (), "Transcripts")
        self.download_button = _button(
            "Download…", "Download transcript", "Save the transcript as a file"
        )
        self.open_button = _button("Open", "Open transcript", "Download and open the transcript")
        self.summary_button = _button(
            "Summarise", "Show summary", "Show Whereby's summary of the session"
        )
        for button in (self.download_button, self.open_button, self.summary_button):
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)
        self.download_button.clicked.connect(self.download_current)
        self.open_button.clicked.connect(self.open_current)
        self.summary_button.clicked.connect(self.summarise_current)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("Summary")
        self.summary.hide()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(3, self.summary, 1)
        self.update_buttons()

    def current(self) -> Transcription | None:
        item = super().current()
        return item if isinstance(item, Transcription) else None

    def update_buttons(self, *_args: object) -> None:
        item = self.current()
        ready = item is not None and item.is_ready
        for button in (self.download_button, self.open_button):
            button.setEnabled(ready and not self.download_bar.busy)
        self.summary_button.setEnabled(ready)

    def show_cached(self) -> None:
        kept = self.current()
        items = self.ctx.service.cache.transcriptions(self.ctx.meeting_id)
        rows = [
            (
                local_time(item.start_date, self.ctx.zone),
                KIND_TEXTS[item.type],
                STATE_TEXTS[item.state],
                item.filename or "",
            )
            for item in items
        ]
        self.model.setRows(rows, items)
        self.table.resizeColumnsToContents()
        if kept is not None:
            self._select_again(
                lambda item: getattr(item, "transcription_id", None), kept.transcription_id
            )
        elif items:
            self.table.selectRow(0)
        self._show_fetched(MediaKind.TRANSCRIPTIONS)
        self.update_buttons()

    async def refresh(self) -> None:
        await self._fetch(
            "transcripts", lambda: self.ctx.service.fetch_transcriptions(self.ctx.meeting_id)
        )
        self.show_cached()

    def _name(self, item: Transcription) -> str:
        return safe_file_name(item.filename or "", f"transcript-{item.transcription_id}.md")

    def _link_source(self, item: Transcription) -> LinkSource:
        return lambda: self.ctx.service.transcription_access_link(item.transcription_id)

    def download_current(self) -> None:
        if (item := self.current()) is not None and item.is_ready:
            self.ask_and_download("transcript", self._name(item), self._link_source(item))

    def open_current(self) -> None:
        if (item := self.current()) is not None and item.is_ready:
            self.download_and_open("transcript", self._name(item), self._link_source(item))

    def summarise_current(self) -> None:
        if (item := self.current()) is not None:
            self.ctx.tasks.start(self._summarise(item))

    async def _summarise(self, item: Transcription) -> None:
        self.message.say("Asking Whereby for the summary…")
        try:
            result = await self.ctx.service.summaries(self.ctx.meeting_id)
        except WherebyError as exc:
            self.message.problem(f"The summary could not be fetched: {exc}")
            return
        if not result.available:
            self.summary.hide()
            self.message.say(
                "Summaries are not available for this account"
                + (f": {result.message}" if result.message else ".")
            )
            return
        found = [s for s in result.summaries if s.transcription_id == item.transcription_id]
        if not found:
            self.summary.hide()
            self.message.say("Whereby has no summary of this transcript.")
            return
        self.summary.setPlainText(found[-1].text)
        self.summary.show()
        self.message.say(f"Summary of {local_time(item.start_date, self.ctx.zone)}.")
