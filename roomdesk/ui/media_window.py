"""A room's "After the session" window: its Recordings, Transcripts and Attendance in tabs.

One window per room, not modal, opened from the details pane or the Edit menu (Ctrl+R). What the
store kept from the last fetch shows at once, with when it was fetched; lists never fetched are
fetched on opening, and F5 fetches all again. Nothing is fetched while the room list is being
refreshed: the window waits for the refresh to end.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from roomdesk.store import StoredRoom
from roomdesk.store.media import MediaKind
from roomdesk.ui.attendance_tab import AttendanceTab
from roomdesk.ui.media_parts import MediaContext, MediaTuning, Tasks
from roomdesk.ui.recordings_tab import RecordingsTab, TranscriptsTab
from roomdesk.ui.room_facts import user_zone

if TYPE_CHECKING:
    from roomdesk.ui.app_settings import AppSettings
    from roomdesk.ui.main_window import MainWindow
    from roomdesk.ui.session import AppSession


class MediaWindow(QWidget):
    """Recordings, transcripts and attendance of ``room``."""

    closed = Signal(str)  # the meeting id
    loaded = Signal()  # a load or refresh ended (done or failed)

    def __init__(
        self,
        session: AppSession,
        settings: AppSettings,
        room: StoredRoom,
        *,
        tuning: MediaTuning | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.session = session
        self.meeting_id = room.meeting_id
        self.tuning = tuning or MediaTuning()
        self.tasks = Tasks()
        self.ctx = MediaContext(
            service=session.media(),
            meeting_id=room.meeting_id,
            zone=user_zone(settings),
            tuning=self.tuning,
            not_syncing=self._not_syncing,
            clock=session.now,
            tasks=self.tasks,
        )
        name = room.label.strip() or room.room_name or room.meeting_id
        self.setWindowTitle(f"After the session — {name}")
        self.setAccessibleName(f"After the session: {name}")
        self.recordings = RecordingsTab(self.ctx)
        self.transcripts = TranscriptsTab(self.ctx)
        self.attendance = AttendanceTab(self.ctx)
        self.recordings.transcriptionsChanged.connect(self.transcripts.show_cached)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.recordings, "&Recordings")
        self.tabs.addTab(self.transcripts, "&Transcripts")
        self.tabs.addTab(self.attendance, "&Attendance")
        self.hint = QLabel("F5 fetches again from Whereby · Ctrl+W closes")
        self.hint.setAccessibleName("Keys")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.hint)
        self.refresh_action = QAction("Refresh from Whereby", self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.refresh)
        self.close_action = QAction("Close", self)
        self.close_action.setShortcuts([QKeySequence("Ctrl+W"), QKeySequence("Esc")])
        self.close_action.triggered.connect(self.close)
        self.addActions([self.refresh_action, self.close_action])
        self.resize(900, 640)

    # -- loading ---------------------------------------------------------------------------------

    async def _not_syncing(self) -> None:
        while self.session.is_syncing:
            await asyncio.sleep(self.tuning.sync_wait)

    def load(self) -> asyncio.Task[None]:
        """Show what was kept, then fetch the lists never fetched for this room."""
        for tab in (self.recordings, self.transcripts, self.attendance):
            tab.show_cached()
        cache = self.ctx.service.cache
        never = {
            kind
            for kind in (MediaKind.RECORDINGS, MediaKind.TRANSCRIPTIONS, MediaKind.ROOM_SESSIONS)
            if cache.last_fetched(self.meeting_id, kind) is None
        }
        return self.tasks.start(self._fetch(never))

    def refresh(self) -> asyncio.Task[None]:
        """Fetch every list again (F5)."""
        return self.tasks.start(
            self._fetch({MediaKind.RECORDINGS, MediaKind.TRANSCRIPTIONS, MediaKind.ROOM_SESSIONS})
        )

    async def _fetch(self, kinds: set[MediaKind]) -> None:
        try:
            # Transcripts first: the recordings' list shows their state.
            if MediaKind.TRANSCRIPTIONS in kinds:
                await self.transcripts.refresh()
            if MediaKind.RECORDINGS in kinds:
                await self.recordings.refresh()
            elif MediaKind.TRANSCRIPTIONS in kinds:
                self.recordings.show_cached()
            if MediaKind.ROOM_SESSIONS in kinds:
                await self.attendance.refresh()
        finally:
            self.loaded.emit()

    # -- closing ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        # A download under way is cancelled, which removes its partial file.
        running = self.tasks.cancel_all()
        event.accept()
        self.closed.emit(self.meeting_id)
        if running:
            self._disposal = asyncio.ensure_future(self._delete_when_done(running))
        else:
            self.deleteLater()

    async def _delete_when_done(self, running: set[asyncio.Task[object]]) -> None:
        await asyncio.wait(running)
        self.deleteLater()


def open_media_window(window: MainWindow) -> MediaWindow | None:
    """Open (or bring forward) the current room's window; None without a room or a key."""
    room = window.current_room()
    if room is None or not window.session.is_ready:
        return None
    opened = window.media_windows
    media = opened.get(room.meeting_id)
    if media is None:
        media = MediaWindow(
            window.session, window.settings, room, tuning=window.media_tuning, parent=window
        )
        opened[room.meeting_id] = media
        media.closed.connect(lambda meeting_id: opened.pop(meeting_id, None))
        # Another account or the demo's end: this window's client and store are gone.
        window.session.roomsReplaced.connect(media.close)
        media.show()
        media.load()
    else:
        media.show()
    media.raise_()
    media.activateWindow()
    return media
